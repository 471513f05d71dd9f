/** `@qi/streaming-confluent`: the librdkafka connector. Select it with `{ connector: "confluent" }`. */
export { confluentConnector as connector, confluentConnector, CONFLUENT_CONNECTOR_NAME } from "./connector.js";
export { CONFLUENT_OPTION_KEYS } from "./options.js";
