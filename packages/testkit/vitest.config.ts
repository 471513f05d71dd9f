import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The conformance files run under `pnpm conformance` (root config), against the harness broker.
    exclude: ["test/**/*.{conformance,reliability}.test.ts", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
