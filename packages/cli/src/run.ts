/**
 * `runCli`: finds the command, parses its options, runs it, and turns every outcome into an
 * exit code. It never throws: a `Failure` is printed as one `error:` line, anything else (a bug)
 * as an INTERNAL error line, never with a stack.
 */
import { createRequire } from "node:module";
import { commandHelp, commandList, GLOBAL_OPTIONS, optionLines, parseFor, positionalWords, str, type CommandDef } from "./args.js";
import { COMMANDS } from "./commands/index.js";
import { Context, type CliIo } from "./context.js";
import { EXIT, Failure, usageError } from "./failure.js";
import { Output } from "./output.js";

function version(): string {
  // ../package.json from src/ and from dist/ alike.
  return (createRequire(import.meta.url)("../package.json") as { version: string }).version;
}

function topHelp(): string {
  return [
    "qi-streaming: topics, messages and consumer groups on Kafka, through any qi-streaming connector.",
    "",
    "Usage: qi-streaming <command> [options]",
    "",
    "Commands:",
    ...commandList(COMMANDS),
    "",
    "Global options:",
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: "boolean", help: "print the version" } }),
    "",
    "The connection comes from the environment: QI_STREAMING_CONNECTOR, QI_STREAMING_BROKERS,",
    "QI_STREAMING_SASL_MECHANISM/USERNAME/PASSWORD, QI_STREAMING_SSL, ... (docs/configuration.md);",
    "--connector and --brokers override it. With neither, the in-process memory connector is used,",
    "and nothing it holds outlives the command.",
    'Run "qi-streaming <command> --help" for the options of a command.',
  ].join("\n");
}

/** The commands of a group (`topics`, `groups`), for its help or a missing subcommand. */
function groupHelp(group: readonly CommandDef[]): string {
  return [`Usage: qi-streaming ${group[0]!.path[0]} <command> [options]`, "", "Commands:", ...commandList(group)].join("\n");
}

/** Help on stdout: asked for, so exit 0. */
function shown(out: Output, text: string): number {
  out.line(text);
  return EXIT.ok;
}

function findCommand(words: readonly string[]): CommandDef | undefined {
  return COMMANDS.find((c) => c.path.every((w, i) => words[i] === w));
}

/** Resolves to `run`'s code, or to 130 when the signal comes first (the command is abandoned; `close` disconnects). */
async function unlessInterrupted(run: Promise<number>, signal: AbortSignal, out: Output): Promise<number> {
  run.catch(() => undefined); // Its failure after an interrupt is of no interest.
  const interrupted = new Promise<number>((resolve) => {
    const onAbort = (): void => {
      out.note("interrupted");
      resolve(EXIT.interrupted);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([run, interrupted]);
}

function report(out: Output, error: unknown): number {
  if (error instanceof Failure) {
    out.error(error.error);
    if (error.hint) out.errText(error.hint);
    return error.exitCode;
  }
  // A bug of the tool: one line, no stack (a stack could hold values the user did not mean to print).
  out.error({ category: "INTERNAL", code: "CLI_ERROR", message: error instanceof Error ? error.message : String(error) });
  return EXIT.failed;
}

async function dispatch(argv: readonly string[], io: CliIo, out: Output): Promise<number> {
  const words = positionalWords(argv, COMMANDS);
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  if (words.length === 0) {
    if (argv.includes("--version")) return shown(out, version());
    if (wantsHelp) return shown(out, topHelp());
    if (argv.length === 0) {
      out.errText(topHelp());
      return EXIT.usage;
    }
    throw usageError(`a command is needed (got ${argv.join(" ").slice(0, 60)})`, 'Run "qi-streaming --help" for the commands.');
  }
  if (words[0] === "help") {
    const rest = words.slice(1);
    const command = findCommand(rest);
    const group = COMMANDS.filter((c) => c.path[0] === rest[0]);
    if (rest.length === 0) return shown(out, topHelp());
    if (command) return shown(out, commandHelp(command));
    if (group.length > 0) return shown(out, groupHelp(group));
    throw usageError(`unknown command "${rest.join(" ")}"`, 'Run "qi-streaming --help" for the commands.');
  }
  const command = findCommand(words);
  if (!command) {
    const group = COMMANDS.filter((c) => c.path[0] === words[0] && c.path.length > 1);
    if (group.length === 0) throw usageError(`unknown command "${words[0]}"`, 'Run "qi-streaming --help" for the commands.');
    if (wantsHelp && words.length === 1) return shown(out, groupHelp(group));
    const subs = group.map((c) => c.path[1]).join(", ");
    throw usageError(words[1] === undefined ? `${words[0]} needs a command: ${subs}` : `unknown command "${words[0]} ${words[1]}" (the ${words[0]} commands: ${subs})`, groupHelp(group));
  }
  const parsed = parseFor(command, argv);
  if (parsed.flags.help === true) return shown(out, commandHelp(command));

  const ctx = new Context(io, { connector: str(parsed, "connector"), brokers: str(parsed, "brokers") }, out);
  let code: number;
  try {
    const run = command.run(ctx, parsed);
    code = command.handlesSignal ? await run : await unlessInterrupted(run, ctx.signal, out);
  } catch (error) {
    code = report(out, error);
  }
  // A failed disconnect (a consumer's last commit) fails a command that had succeeded.
  const closeError = await ctx.close();
  return closeError && code === EXIT.ok ? EXIT.failed : code;
}

/**
 * Runs the `qi-streaming` command line `argv` (without `node` and the script) against `io`, and
 * resolves to the exit code: 0 done, 1 an operation failed, 2 a usage error, 130 interrupted.
 * Never rejects.
 *
 * ```ts
 * const code = await runCli(["topics", "list", "--json"], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const out = new Output(io.stdout, io.stderr, io.env);
  try {
    return await dispatch(argv, io, out);
  } catch (error) {
    return report(out, error);
  }
}
