/**
 * The Kafka test harness: a real Apache Kafka 4 node (KRaft, PLAINTEXT + SASL_PLAINTEXT with PLAIN
 * and SCRAM-SHA-256) fetched from Maven Central, started on free loopback ports, stopped cleanly.
 *
 * ```ts
 * const kafka = kafkaFromEnv() ?? (await startKafka());
 * try { ...kafka.brokers... } finally { await kafka.stop(); }
 * ```
 *
 * Only `node:` built-ins are used. Needs Java 17+ and (until the jar cache is filled) Maven.
 */
export { startKafka } from "./broker.js";
export type { KafkaBroker, KafkaEndpoints, LocalKafkaBroker, StartKafkaOptions, StopOptions, KafkaTestInfo } from "./types.js";
export { kafkaFromEnv } from "./external.js";
export {
  provisionKafka,
  kafkaVersion,
  kafkaHome,
  harnessPaths,
  checkJava,
  checkMaven,
  KafkaHarnessError,
  INSTALL_HINT,
  type ProvisionedKafka,
  type HarnessPaths,
} from "./provision.js";
export { freePort, freePorts, randomClusterId, renderServerProperties, type SaslCredentials, type BrokerPorts, type BrokerConfigInput } from "./config.js";
export { tcpConnect, kafkaApiVersions } from "./probe.js";
export { sweepStaleBrokers } from "./reaper.js";
export { logEndOffsets, logRecordCount } from "./tools.js";
