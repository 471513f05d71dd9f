import { defineQiBuild } from "../../tsup.base.ts";

// Two entries, one state: the CJS build is split too, so both entries share the registry and
// the memory clusters (one copy of each module) instead of bundling them twice.
export default defineQiBuild({ entry: ["src/index.ts", "src/connector-kit.ts"], splitting: true });
