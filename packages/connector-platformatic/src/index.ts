/** `@qi/streaming-platformatic`: the @platformatic/kafka connector. Select it with `{ connector: "platformatic" }`. */
export { platformaticConnector as connector, platformaticConnector, PLATFORMATIC_CONNECTOR_NAME } from "./connector.js";
export { PLATFORMATIC_OPTIONS, PLATFORMATIC_OPTION_KEYS } from "./options.js";
