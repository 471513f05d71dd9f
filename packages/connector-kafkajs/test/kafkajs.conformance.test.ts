// The kafkajs connector against the whole suite, on the harness broker.
import { kafkaTestConfig, kafkaTestSasl, runConformanceSuite } from "@qi/streaming-testkit";
import { kafkajsConnector } from "../src/index.js";

runConformanceSuite({ connector: kafkajsConnector, config: kafkaTestConfig, sasl: kafkaTestSasl });
