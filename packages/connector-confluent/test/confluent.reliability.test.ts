// The confluent connector under the reliability suite, on the harness broker.
import { fileURLToPath } from "node:url";
import { kafkaTestConfig, kafkaTestSasl, runReliabilitySuite } from "@qi/streaming-testkit";
import { confluentConnector } from "../src/index.js";

runReliabilitySuite({
  connector: confluentConnector,
  config: kafkaTestConfig,
  sasl: kafkaTestSasl,
  connectorModule: fileURLToPath(new URL("../dist/index.js", import.meta.url)),
});
