/**
 * An existing Kafka cluster named by the environment, used instead of starting one: for developers
 * who already run Kafka, and for machines without Java.
 *
 * - `KAFKA_BROKERS`: comma-separated PLAINTEXT bootstrap addresses (required to use this).
 * - `KAFKA_SASL_BROKERS`: SASL_PLAINTEXT bootstrap addresses (optional).
 * - `KAFKA_SASL_USERNAME` / `KAFKA_SASL_PASSWORD`: a SASL/PLAIN user (optional).
 * - `KAFKA_SCRAM_USERNAME` / `KAFKA_SCRAM_PASSWORD`: a SCRAM-SHA-256 user (optional).
 */
import type { KafkaBroker } from "./types.js";
import type { SaslCredentials } from "./config.js";

const list = (v: string | undefined): string[] =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const user = (username: string | undefined, password: string | undefined): SaslCredentials | undefined =>
  username && password ? { username, password } : undefined;

const notOurs = (what: string) => async (): Promise<void> => {
  throw new Error(`cannot ${what} an external Kafka cluster (KAFKA_BROKERS); start one with startKafka() for that`);
};

/**
 * The cluster named by `KAFKA_BROKERS`, or `undefined` when it is unset or empty. Its `stop()` does
 * nothing (the cluster is not ours); `kill()` and `restart()` reject.
 */
export function kafkaFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaBroker | undefined {
  const brokers = list(env.KAFKA_BROKERS);
  if (brokers.length === 0) return undefined;
  const saslBrokers = list(env.KAFKA_SASL_BROKERS);
  const plain = user(env.KAFKA_SASL_USERNAME, env.KAFKA_SASL_PASSWORD);
  const scram256 = user(env.KAFKA_SCRAM_USERNAME, env.KAFKA_SCRAM_PASSWORD);
  return {
    external: true,
    brokers,
    saslBrokers: saslBrokers.length > 0 ? saslBrokers : undefined,
    credentials: { ...(plain ? { plain } : {}), ...(scram256 ? { scram256 } : {}) },
    logFile: undefined,
    dataDir: undefined,
    version: undefined,
    stop: async () => {},
    kill: notOurs("kill"),
    restart: notOurs("restart"),
  };
}
