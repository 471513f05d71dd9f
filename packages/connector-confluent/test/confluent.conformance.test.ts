// The confluent connector against the whole suite, on the harness broker.
import { kafkaTestConfig, kafkaTestSasl, runConformanceSuite } from "@qi/streaming-testkit";
import { confluentConnector } from "../src/index.js";

runConformanceSuite({ connector: confluentConnector, config: kafkaTestConfig, sasl: kafkaTestSasl });
