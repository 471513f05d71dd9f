/** `@qi/streaming-cli`: the `qi-streaming` command, and `runCli` for programs and tests. */
export {};
