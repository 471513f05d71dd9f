import { defineQiBuild } from "../../tsup.base.ts";

export default defineQiBuild({
  entry: { index: "src/index.ts", harness: "src/harness/index.ts", "global-setup": "src/harness/global-setup.ts" },
  external: ["vitest", "@qi/streaming"],
});
