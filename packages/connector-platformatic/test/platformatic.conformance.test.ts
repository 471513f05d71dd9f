// The platformatic connector against the whole suite, on the harness broker.
import { kafkaTestConfig, kafkaTestSasl, runConformanceSuite } from "@qi/streaming-testkit";
import { platformaticConnector } from "../src/index.js";

runConformanceSuite({ connector: platformaticConnector, config: kafkaTestConfig, sasl: kafkaTestSasl });
