import { defineQiBuild } from "../../tsup.base.ts";

// ESM only: the suite imports vitest, which refuses to be loaded by `require`, so a CommonJS
// build could not work (and the harness's global setup is loaded by vitest, which imports it).
export default defineQiBuild({
  entry: { index: "src/index.ts", harness: "src/harness/index.ts", "global-setup": "src/harness/global-setup.ts" },
  external: ["vitest", "@qi/streaming"],
  formats: "esm",
});
