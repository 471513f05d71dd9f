// The platformatic connector against the whole suite, on the harness broker.
import { fileURLToPath } from "node:url";
import { kafkaTestConfig, kafkaTestSasl, runConformanceSuite } from "@qi/streaming-testkit";
import { platformaticConnector } from "../src/index.js";

runConformanceSuite({
  connector: platformaticConnector,
  config: kafkaTestConfig,
  sasl: kafkaTestSasl,
  // The concurrency group runs a member in a child process, which loads the built connector.
  connectorModule: fileURLToPath(new URL("../dist/index.js", import.meta.url)),
});
