// The fast tests of every package: no broker, no network. One project per package; each
// package's `test` script runs its own (`vitest run --project NAME` from the package folder
// finds this file), and `pnpm test:unit` at the root runs them all in one process.
// What needs a broker has configs of its own: vitest.conformance.config.ts (*.conformance and
// *.broker tests) and vitest.reliability.config.ts (*.reliability tests).
import { fileURLToPath } from "node:url";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

const needsBroker = ["**/*.{conformance,reliability,broker}.test.ts"];

function unit(name: string, root: string, test: { include?: string[]; testTimeout?: number; hookTimeout?: number } = {}): TestProjectInlineConfiguration {
  return {
    // Absolute: a relative root would be taken from the folder vitest runs in, not from this file's.
    root: fileURLToPath(new URL(`./${root}/`, import.meta.url)),
    test: { name, include: ["test/**/*.test.ts"], exclude: ["**/node_modules/**", ...needsBroker], ...test },
  };
}

export default defineConfig({
  test: {
    projects: [
      unit("core", "packages/core", { testTimeout: 20_000 }),
      unit("testkit", "packages/testkit", { testTimeout: 30_000, hookTimeout: 60_000 }),
      unit("kafkajs", "packages/connector-kafkajs", { include: ["test/unit/**/*.test.ts"] }),
      unit("platformatic", "packages/connector-platformatic", { include: ["test/unit/**/*.test.ts"] }),
      unit("confluent", "packages/connector-confluent", { include: ["test/unit/**/*.test.ts"] }),
      unit("cli", "packages/cli", { testTimeout: 30_000 }),
      unit("docs-tests", "docs-tests", { testTimeout: 60_000, hookTimeout: 120_000 }),
      unit("quickstart", "examples/quickstart", { testTimeout: 30_000 }),
    ],
  },
});
