// `pnpm test:reliability`: faults, bad input and credentials for every connector, against the
// harness broker (crash tests start and kill brokers of their own).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{packages,examples}/*/test/**/*.reliability.test.ts"],
    globalSetup: ["packages/testkit/src/harness/global-setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
