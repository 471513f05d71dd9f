/**
 * Commands as data (path, arguments, options, help) and the parsing of a command line against
 * them, with `node:util` parseArgs. Help text is generated from the same data, so it cannot
 * drift from what is parsed.
 */
import { parseArgs } from "node:util";
import type { Context } from "./context.js";
import { usageError } from "./failure.js";

/** One option of a command. */
export interface OptionDef {
  /** `string` takes a value, `boolean` is a switch. */
  readonly type: "string" | "boolean";
  /** May be given more than once (values collected in order). */
  readonly multiple?: boolean;
  /** One-letter alias. */
  readonly short?: string;
  /** The value's name in help (`N`, `k=v`). */
  readonly value?: string;
  /** One line of help. */
  readonly help: string;
}

/** What a command's `run` gets: its positional arguments and option values. */
export interface Parsed {
  /** Positional arguments after the command's words. */
  readonly args: readonly string[];
  /** Option values by name, as parseArgs returns them. */
  readonly flags: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
}

/** A command: `topics create`, `produce`, ... */
export interface CommandDef {
  /** The words that name it. */
  readonly path: readonly string[];
  /** Positional arguments, for help and counting: `<name>`, `[name]`, `<name...>`. */
  readonly args: readonly string[];
  /** One line, for the command list. */
  readonly summary: string;
  /** More lines of help (examples), optional. */
  readonly details?: readonly string[];
  /** Its own options (the global ones are added). */
  readonly options: Readonly<Record<string, OptionDef>>;
  /** True when `run` stops by itself on the interrupt signal (others are abandoned with exit 130). */
  readonly handlesSignal?: boolean;
  /** Does the work; resolves to the exit code, or throws a `Failure`. */
  run(ctx: Context, parsed: Parsed): Promise<number>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionDef>> = {
  connector: { type: "string", value: "NAME", help: "kafkajs, confluent, platformatic or memory (overrides QI_STREAMING_CONNECTOR)" },
  brokers: { type: "string", value: "LIST", help: "comma-separated host:port (overrides QI_STREAMING_BROKERS)" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

type ParseOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

function specOf(options: Readonly<Record<string, OptionDef>>): ParseOptions {
  const spec: ParseOptions = {};
  for (const [name, o] of Object.entries(options)) spec[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) };
  return spec;
}

/**
 * The positional words of a command line, found with every known option's type (so `--max 5`
 * does not read `5` as a word). Unknown options are left for the strict parse to report.
 */
export function positionalWords(argv: readonly string[], commands: readonly CommandDef[]): string[] {
  const all: Record<string, OptionDef> = { ...GLOBAL_OPTIONS, version: { type: "boolean", help: "" } };
  for (const c of commands) Object.assign(all, c.options);
  return parseArgs({ args: [...argv], options: specOf(all), allowPositionals: true, strict: false }).positionals;
}

/** Parses `argv` strictly for `command`: an unknown option, a missing value or a wrong count of arguments is a usage error. */
export function parseFor(command: CommandDef, argv: readonly string[]): Parsed {
  const hint = usageLine(command);
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: specOf({ ...GLOBAL_OPTIONS, ...command.options }), allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs says "Unknown option '--x'. To specify a positional argument starting with a '-' ...": keep the first sentence.
    const text = error instanceof Error ? error.message.split(". ")[0]!.replace(/\.$/, "") : String(error);
    throw usageError(text, hint);
  }
  const args = parsed.positionals.slice(command.path.length);
  if (parsed.values.help === true) return { args, flags: parsed.values };
  const required = command.args.filter((a) => a.startsWith("<")).length;
  const variadic = command.args.some((a) => a.endsWith("...>") || a.endsWith("...]"));
  if (args.length < required) throw usageError(`${command.path.join(" ")} needs ${command.args.filter((a) => a.startsWith("<")).join(" ")}`, hint);
  if (!variadic && args.length > command.args.length) throw usageError(`unexpected argument "${args[command.args.length]}"`, hint);
  return { args, flags: parsed.values };
}

/** `Usage: qi-streaming topics create <name> [options]`. */
export function usageLine(command: CommandDef): string {
  return `Usage: qi-streaming ${[...command.path, ...command.args].join(" ")} [options]`;
}

/** Aligned help lines of options. */
export function optionLines(options: Readonly<Record<string, OptionDef>>): string[] {
  const left = Object.entries(options).map(([name, o]) => `${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`);
  const width = Math.max(...left.map((l) => l.length));
  return Object.values(options).map((o, i) => `  ${left[i]!.padEnd(width)}  ${o.help}${o.multiple ? " (repeatable)" : ""}`);
}

/** The help of one command. */
export function commandHelp(command: CommandDef): string {
  const own = Object.keys(command.options).length > 0 ? ["", "Options:", ...optionLines(command.options)] : [];
  return [usageLine(command), "", command.summary, ...(command.details ? ["", ...command.details] : []), ...own, "", "Global options:", ...optionLines(GLOBAL_OPTIONS)].join("\n");
}

/** The list of commands (top-level help, or one group's). */
export function commandList(commands: readonly CommandDef[]): string[] {
  const names = commands.map((c) => [...c.path, ...c.args].join(" "));
  const width = Math.max(...names.map((n) => n.length));
  return commands.map((c, i) => `  ${names[i]!.padEnd(width)}  ${c.summary}`);
}

/** A string option's value, if given. */
export function str(parsed: Parsed, name: string): string | undefined {
  const v = parsed.flags[name];
  return typeof v === "string" ? v : undefined;
}

/** A repeatable string option's values ([] if not given). */
export function strings(parsed: Parsed, name: string): string[] {
  const v = parsed.flags[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
}

/** A switch. */
export function flag(parsed: Parsed, name: string): boolean {
  return parsed.flags[name] === true;
}

/** A whole-number option, at least `min`; a usage error otherwise. */
export function intOption(parsed: Parsed, name: string, min: number): number | undefined {
  const raw = str(parsed, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) throw usageError(`--${name} must be a whole number of at least ${min} (got "${raw.slice(0, 40)}")`);
  return n;
}

/** `k=v` pairs (split at the first `=`) as an object; a pair without `=` or with an empty name is a usage error. */
export function pairs(values: readonly string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf("=");
    if (at <= 0) throw usageError(`--${option} takes name=value (got "${v.slice(0, 40)}")`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}
