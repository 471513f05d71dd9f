/** The reliability suite: faults, bad input and credentials, for any connector on real Kafka. */
import { describe } from "vitest";
import { brokerCrashTests } from "./broker-crash.js";
import { consumerCrashTests } from "./consumer-crash.js";
import { fuzzTests } from "./fuzz.js";
import { hygieneTests } from "./hygiene.js";
import type { ReliabilityOptions } from "./options.js";
import { securityTests } from "./security.js";

export const RELIABILITY_GROUPS = {
  "broker crash": brokerCrashTests,
  "consumer crash": consumerCrashTests,
  security: securityTests,
  "bad input": fuzzTests,
  hygiene: hygieneTests,
} as const;

/** Declares every reliability test for a connector, inside a vitest file. */
export function runReliabilitySuite(options: ReliabilityOptions): void {
  describe(`reliability: ${options.name ?? options.connector.name}`, () => {
    for (const group of Object.values(RELIABILITY_GROUPS)) group(options);
  });
}

export { brokerCrashTests, consumerCrashTests, fuzzTests, hygieneTests, securityTests };
export type { ReliabilityOptions };
