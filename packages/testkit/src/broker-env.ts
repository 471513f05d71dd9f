/**
 * What the harness's global setup tells the test workers about the broker, through environment
 * variables (workers are separate processes): the bootstrap addresses and the SASL users.
 */
import type { SaslTarget } from "./suite/options.js";

/** Names of the environment variables the harness's global setup sets for test workers. */
export const BROKER_ENV = {
  /** PLAINTEXT bootstrap addresses, comma-separated. */
  brokers: "QI_TEST_KAFKA_BROKERS",
  /** SASL_PLAINTEXT bootstrap addresses, comma-separated. */
  saslBrokers: "QI_TEST_KAFKA_SASL_BROKERS",
  /** SASL/PLAIN user. */
  plainUser: "QI_TEST_KAFKA_SASL_USERNAME",
  /** SASL/PLAIN password. */
  plainPassword: "QI_TEST_KAFKA_SASL_PASSWORD",
  /** SCRAM-SHA-256 user. */
  scramUser: "QI_TEST_KAFKA_SCRAM_USERNAME",
  /** SCRAM-SHA-256 password. */
  scramPassword: "QI_TEST_KAFKA_SCRAM_PASSWORD",
} as const;

const list = (v: string | undefined): string[] => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** The test broker's bootstrap addresses (the harness's, or `KAFKA_BROKERS`). */
export function kafkaTestBrokers(): string[] {
  const brokers = list(process.env[BROKER_ENV.brokers] ?? process.env.KAFKA_BROKERS);
  if (brokers.length === 0) throw new Error(`no test broker: run under the testkit's global setup, or set KAFKA_BROKERS`);
  return brokers;
}

/** A base config for the conformance suite: `runConformanceSuite({ connector, config: kafkaTestConfig })`. */
export function kafkaTestConfig(): {
  /** The test broker's bootstrap addresses. */
  brokers: string[];
} {
  return { brokers: kafkaTestBrokers() };
}

/** The SASL endpoint and users, when the broker has one. */
export function kafkaTestSasl(): SaslTarget | undefined {
  const e = process.env;
  const brokers = list(e[BROKER_ENV.saslBrokers]);
  const username = e[BROKER_ENV.plainUser];
  const password = e[BROKER_ENV.plainPassword];
  if (brokers.length === 0 || !username || !password) return undefined;
  const scramUser = e[BROKER_ENV.scramUser];
  const scramPassword = e[BROKER_ENV.scramPassword];
  return { brokers, plain: { username, password }, ...(scramUser && scramPassword ? { scram256: { username: scramUser, password: scramPassword } } : {}) };
}
