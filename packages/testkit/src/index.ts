/**
 * `@qi/streaming-testkit`: the conformance suite every connector must pass, and the harness
 * that starts a real Apache Kafka broker for tests.
 */
export { runConformanceSuite, CONFORMANCE_GROUPS, lifecycleTests, producerTests, deliveryTests, consumerTests, groupTests, offsetTests, adminTests, adminGroupTests, adminOffsetTests, errorTests, eventTests, policyTests, transactionTests, telemetryTests, concurrencyTests, JAVA_MURMUR2_VECTORS } from "./suite/index.js";
export type { ConformanceOptions, SaslTarget, GroupName } from "./suite/options.js";
export { GROUPS, capabilitiesOf } from "./suite/options.js";
export type { BooleanCapability, ConformanceGroup, TestOptions } from "./suite/group.js";
export { TestBed, must, mustFail } from "./suite/bed.js";
export type { RunningConsumer } from "./suite/bed.js";
export { installTestTelemetry } from "./suite/telemetry.js";
export { runPairsSuite } from "./suite/pairs.js";
export { kafkaTestBrokers, kafkaTestConfig, kafkaTestSasl, BROKER_ENV } from "./broker-env.js";
export * from "./harness/index.js";
export type { KafkaTestInfo } from "./harness/global-setup.js";
export { runReliabilitySuite, RELIABILITY_GROUPS, brokerCrashTests, consumerCrashTests, floodTests, fuzzTests, hygieneTests, memoryBudgetTests, secretTests, securityTests } from "./reliability/index.js";
export type { ReliabilityOptions } from "./reliability/options.js";
export { resolvedFor, type ResolvedForConnector } from "./unit/resolve.js";
export { expectFailedConnectLogs } from "./unit/failed-connect-logs.js";
