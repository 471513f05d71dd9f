#!/usr/bin/env node
/**
 * The `qi-streaming` command: runs `runCli` on the process's streams and environment. SIGINT
 * and SIGTERM abort the run's signal (`consume` leaves its group and exits 0); a second one
 * exits at once.
 */
import { EXIT, runCli } from "./index.js";

const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals): void => {
  if (controller.signal.aborted) process.exit(signal === "SIGTERM" ? 143 : EXIT.interrupted);
  controller.abort(signal);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
// A reader that went away (`| head`) is the end of the output, not a crash: the command sees
// the stream close and stops.
process.stdout.on("error", () => undefined);

const code = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
process.exitCode = code;
// Everything was disconnected; if a client library still holds a handle, do not hang the shell.
setTimeout(() => process.exit(code), 2000).unref();
process.off("SIGINT", onSignal);
process.off("SIGTERM", onSignal);
