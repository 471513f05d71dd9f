/** `@qi/streaming-confluent`: the librdkafka connector. Select it with `{ connector: "confluent" }`. */
export { confluentConnector as connector, confluentConnector, CONFLUENT_CONNECTOR_NAME } from "./connector.js";
export { CONFLUENT_OPTION_KEYS, CONFLUENT_OWNED_PROPERTIES } from "./options.js";
