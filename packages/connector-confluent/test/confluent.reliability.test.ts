// The confluent connector under the reliability suite, on the harness broker.
import { fileURLToPath } from "node:url";
import { kafkaTestConfig, kafkaTestSasl, runReliabilitySuite } from "@qi/streaming-testkit";
import { confluentConnector } from "../src/index.js";

runReliabilitySuite({
  connector: confluentConnector,
  config: kafkaTestConfig,
  sasl: kafkaTestSasl,
  connectorModule: fileURLToPath(new URL("../dist/index.js", import.meta.url)),
  // librdkafka's connect-time metadata request (30 s, set inside the client's KafkaJS layer)
  // cannot be cancelled, and holds the process after a failed connect: docs/connectors/confluent.md.
  knownGaps: ["exit-after-failed-connect"],
});
