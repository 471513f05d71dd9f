/** `@qi/streaming-kafkajs`: the kafkajs connector. Select it with `{ connector: "kafkajs" }`. */
export { kafkajsConnector as connector, kafkajsConnector, KAFKAJS_CONNECTOR_NAME } from "./connector.js";
export { KAFKAJS_OPTIONS, KAFKAJS_OPTION_KEYS } from "./options.js";
