/** The reliability suite: faults, bad input and credentials, for any connector on real Kafka. */
import { describe } from "vitest";
import { brokerCrashTests } from "./broker-crash.js";
import { consumerCrashTests } from "./consumer-crash.js";
import { floodTests } from "./flood.js";
import { fuzzTests } from "./fuzz.js";
import { hygieneTests } from "./hygiene.js";
import { memoryBudgetTests } from "./memory-budget.js";
import type { ReliabilityOptions } from "./options.js";
import { secretTests } from "./secrets.js";
import { securityTests } from "./security.js";
import { transactionCrashTests } from "./transactions-crash.js";

/** The reliability suite's groups by name; each can run alone (`brokerCrashTests(options)`, ...). */
export const RELIABILITY_GROUPS = {
  /** Broker SIGKILL and restart mid-stream: acknowledged messages survive, order kept, no hang. */
  "broker crash": brokerCrashTests,
  /** A consumer killed in a child process: its partitions resume from the last commit. */
  "consumer crash": consumerCrashTests,
  /** Wrong credentials, unreachable and closed brokers, no secret in any output. */
  security: securityTests,
  /** Neither the right nor a wrong password in anything printable: client, roles, errors, logs, reports. */
  secrets: secretTests,
  /** Generated calls with bad input: nothing throws or rejects, the client works afterwards. */
  "bad input": fuzzTests,
  /** The process exits by itself after disconnect; connect cycles leak nothing. */
  hygiene: hygieneTests,
  /** A consumer of 1,000,000 records of 100 B in a process of its own stays under a peak RSS; a slow handler keeps RSS flat. */
  "memory budget": memoryBudgetTests,
  /** A flood of sends into a broker that is killed: every send settles in time, nothing written twice. */
  "producer flood": floodTests,
  /** An exactly-once processor SIGKILLed inside a transaction, a broker SIGKILLed during a stream of transactions: nothing partial, nothing twice (capability `transactions`). */
  "transactions crash": transactionCrashTests,
} as const;

/** Declares every reliability test for a connector, inside a vitest file. */
export function runReliabilitySuite(options: ReliabilityOptions): void {
  describe(`reliability: ${options.name ?? options.connector.name}`, () => {
    for (const group of Object.values(RELIABILITY_GROUPS)) group(options);
  });
}

export { brokerCrashTests, consumerCrashTests, floodTests, fuzzTests, hygieneTests, memoryBudgetTests, secretTests, securityTests, transactionCrashTests };
export type { ReliabilityOptions };
