/** The whole conformance suite, and each group on its own. */
import { describe } from "vitest";
import { adminGroupTests } from "./admin-groups.js";
import { adminOffsetTests } from "./admin-offsets.js";
import { adminTests } from "./admin.js";
import { concurrencyTests } from "./concurrency.js";
import { consumerTests } from "./consumer.js";
import { deliveryTests } from "./delivery.js";
import { errorTests } from "./errors.js";
import { eventTests } from "./events.js";
import type { ConformanceGroup } from "./group.js";
import { groupTests } from "./groups.js";
import { lifecycleTests } from "./lifecycle.js";
import { offsetTests } from "./offsets.js";
import type { ConformanceOptions, GroupName } from "./options.js";
import { policyTests } from "./policies.js";
import { producerTests } from "./producer.js";
import { telemetryTests } from "./telemetry.js";
import { transactionTests } from "./transactions.js";

export const CONFORMANCE_GROUPS: Readonly<Record<GroupName, ConformanceGroup>> = {
  lifecycle: lifecycleTests,
  producer: producerTests,
  delivery: deliveryTests,
  consumer: consumerTests,
  groups: groupTests,
  offsets: offsetTests,
  admin: adminTests,
  "admin-groups": adminGroupTests,
  "admin-offsets": adminOffsetTests,
  errors: errorTests,
  events: eventTests,
  policies: policyTests,
  transactions: transactionTests,
  telemetry: telemetryTests,
  concurrency: concurrencyTests,
};

/**
 * Declares every conformance test for a connector, inside a vitest file:
 *
 * ```ts
 * import { runConformanceSuite } from "@qi/streaming-testkit";
 * runConformanceSuite({ connector: myConnector, config: () => ({ brokers: ["127.0.0.1:9092"] }) });
 * ```
 */
export function runConformanceSuite(options: ConformanceOptions & { readonly groups?: readonly GroupName[] }): void {
  describe(`conformance: ${options.name ?? options.connector.name}`, () => {
    for (const [name, group] of Object.entries(CONFORMANCE_GROUPS)) {
      if (!options.groups || options.groups.includes(name as GroupName)) group(options);
    }
  });
}

export { adminTests, adminGroupTests, adminOffsetTests, concurrencyTests, eventTests, consumerTests, deliveryTests, errorTests, groupTests, lifecycleTests, offsetTests, policyTests, producerTests, telemetryTests, transactionTests };
export { JAVA_MURMUR2_VECTORS } from "./producer.js";
