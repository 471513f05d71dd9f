import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests that need the broker run under `pnpm conformance` (root config).
    exclude: ["test/**/*.broker.test.ts", "**/node_modules/**"],
    testTimeout: 30_000,
  },
});
