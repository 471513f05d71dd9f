/** `@qi/streaming-cli`: the `qi-streaming` command, and `runCli` for programs and tests. */
export { runCli } from "./run.js";
export type { CliIo } from "./context.js";
export type { OutputStream } from "./output.js";
export { EXIT } from "./failure.js";
