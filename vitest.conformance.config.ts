// `pnpm conformance`: the conformance suite of every connector in the repo, against one real
// Kafka broker started by the testkit harness for the whole run (or KAFKA_BROKERS).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // docs-tests is one package at the top level (docs-tests/test/samples.broker.test.ts).
    include: ["{packages,examples}/*/test/**/*.{conformance,broker}.test.ts", "docs-tests/test/**/*.{conformance,broker}.test.ts"],
    globalSetup: ["packages/testkit/src/harness/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Connectors run one file at a time: they share two cores and one broker.
    fileParallelism: false,
  },
});
