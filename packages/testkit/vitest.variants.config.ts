// Only for teeth.test.ts: runs the suite against one deliberately broken connector.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["test/variants/suite.variant.ts"], testTimeout: 30_000 },
});
