/**
 * Vitest global setup: one Kafka broker for the whole test run.
 *
 * ```ts
 * // vitest.config.ts
 * test: { globalSetup: ["packages/testkit/src/harness/global-setup.ts"] }
 * // in a test
 * import { inject } from "vitest";
 * const { brokers } = inject("kafka");
 * ```
 *
 * Uses the cluster in `KAFKA_BROKERS` when that is set, else starts one with {@link startKafka}.
 * The broker is handed to tests twice: through vitest's `provide`/`inject`, and through
 * `QI_TEST_KAFKA_*` environment variables (see `../broker-env.ts`), which worker processes inherit.
 * At teardown the broker is stopped; if any test failed its log is kept in `reports/kafka-broker.log`.
 */
import type { TestProject } from "vitest/node";
import { BROKER_ENV } from "../broker-env.js";
import { startKafka } from "./broker.js";
import { kafkaFromEnv } from "./external.js";
import type { KafkaBroker, KafkaTestInfo } from "./types.js";

export type { KafkaTestInfo } from "./types.js";

declare module "vitest" {
  export interface ProvidedContext {
    kafka: KafkaTestInfo;
  }
}

/** True when the run should keep the broker log: a failed test or file, an unhandled error, or QI_KAFKA_KEEP_LOGS=1. */
function runFailed(project: TestProject): boolean {
  if (process.env.QI_KAFKA_KEEP_LOGS === "1") return true;
  if (process.exitCode !== undefined && process.exitCode !== 0) return true;
  try {
    // `state` is not part of vitest's typed API; when it is missing, keep the log to be safe.
    const state = (project.vitest as unknown as { state?: { getCountOfFailedTests(): number; getUnhandledErrors(): unknown[] } }).state;
    if (!state) return true;
    return state.getCountOfFailedTests() > 0 || state.getUnhandledErrors().length > 0;
  } catch {
    return true;
  }
}

function exportToWorkers(kafka: KafkaBroker): void {
  const set = (name: string, value: string | undefined): void => {
    if (value) process.env[name] = value;
    else delete process.env[name];
  };
  set(BROKER_ENV.brokers, kafka.brokers.join(","));
  set(BROKER_ENV.saslBrokers, kafka.saslBrokers?.join(","));
  set(BROKER_ENV.plainUser, kafka.credentials.plain?.username);
  set(BROKER_ENV.plainPassword, kafka.credentials.plain?.password);
  set(BROKER_ENV.scramUser, kafka.credentials.scram256?.username);
  set(BROKER_ENV.scramPassword, kafka.credentials.scram256?.password);
}

/** Starts (or finds) the broker, provides it to tests, and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = kafkaFromEnv();
  const kafka: KafkaBroker = external ?? (await startKafka());
  if (external) process.stderr.write(`[kafka-harness] using the cluster in KAFKA_BROKERS: ${external.brokers.join(",")}\n`);
  exportToWorkers(kafka);
  project.provide("kafka", {
    external: kafka.external,
    brokers: kafka.brokers,
    saslBrokers: kafka.saslBrokers,
    credentials: kafka.credentials,
    version: kafka.version,
    logFile: kafka.logFile,
  });
  return async () => {
    await kafka.stop({ keepLogs: runFailed(project) });
  };
}
