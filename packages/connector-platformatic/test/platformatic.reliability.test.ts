// The platformatic connector under the reliability suite, on the harness broker.
import { fileURLToPath } from "node:url";
import { kafkaTestConfig, kafkaTestSasl, runReliabilitySuite } from "@qi/streaming-testkit";
import { platformaticConnector } from "../src/index.js";

runReliabilitySuite({
  connector: platformaticConnector,
  config: kafkaTestConfig,
  sasl: kafkaTestSasl,
  connectorModule: fileURLToPath(new URL("../dist/index.js", import.meta.url)),
});
