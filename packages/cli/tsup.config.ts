import { defineQiBuild } from "../../tsup.base.ts";

// ESM only: a command-line tool (the `bin`) and its programmatic entry; nobody `require`s it.
// The connectors stay imports: the tool loads the one the config names, from where it is installed.
export default defineQiBuild({
  entry: { cli: "src/cli.ts", index: "src/index.ts" },
  external: ["@qi/streaming", "@qi/streaming-kafkajs", "@qi/streaming-confluent", "@qi/streaming-platformatic"],
  formats: "esm",
});
