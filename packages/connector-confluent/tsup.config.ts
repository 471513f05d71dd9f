import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  external: ["@qi/streaming", "@confluentinc/kafka-javascript"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  shims: true,
  sourcemap: true,
  target: "node22",
});
