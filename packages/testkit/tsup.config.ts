import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", harness: "src/harness/index.ts", "global-setup": "src/harness/global-setup.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node22",
  external: ["vitest", "@qi/streaming"],
});
