/**
 * The `StreamingConfig` schema (zod 4): one declaration of every field's shape, from which
 * `checkConfig` takes the path and the reason of a `VALIDATION` error. The public types stay
 * the hand-written interfaces of `types.ts` (their doc comments are what users read); the
 * compile-time assertion at the end keeps the schema and the interfaces the same shape.
 *
 * The schema only ever sees the plain copy `readConfig` made (never the caller's object), and is
 * run with `safeParse`: it cannot throw on any input.
 */
import { z } from "zod";
import { validationError, type QiError } from "../errors/qi-error.js";
import { describeValue } from "../input/read.js";
import { isSecret } from "./secrets.js";
import type { RetryConfig, SaslConfig, StreamingConfig } from "./types.js";

const HOST_PORT = /^(?:[^\s:/[\]]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/;

/** `host:port` with a port from 1 to 65535. */
const broker = z.string().superRefine((value, ctx) => {
  const m = HOST_PORT.exec(value);
  if (!m) ctx.addIssue({ code: "custom", message: `must be "host:port" (got ${describeValue(value)})` });
  else if (Number(m[1]) < 1 || Number(m[1]) > 65_535) ctx.addIssue({ code: "custom", message: `has port ${m[1]}: a port is from 1 to 65535` });
});

/** An integer from `min` to `max`; each reason says what was expected and what was given. */
export const integer = (min: number, max: number, desc = min === 1 ? "a positive integer" : `an integer from ${min} to ${max}`) =>
  z
    .number({ error: (iss) => `must be ${desc}: expected a number, got ${describeInput(iss.input)}` })
    .int({ error: (iss) => `must be ${desc} (got ${describeInput(iss.input)})` })
    .min(min, { error: (iss) => `must be ${desc} (got ${describeInput(iss.input)})` })
    .max(max, { error: (iss) => `must be ${desc}${min === 1 ? ` up to ${max}` : ""} (got ${describeInput(iss.input)})` });

export const positiveInt = (max = 2_147_483_647) => integer(1, max);

const retry = z.strictObject({
  retries: integer(0, 1000).optional(),
  initialRetryTimeMs: positiveInt().optional(),
  maxRetryTimeMs: positiveInt().optional(),
});

/** A password: a non-empty string or a `Secret` of one (its value is never put in a reason). */
const password = z.custom<string>((v) => {
  const s = isSecret(v) ? v.reveal() : v;
  return typeof s === "string" && s.length > 0;
}, "must be a non-empty string or a Secret of one");

const sasl = z.strictObject({
  mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]),
  username: z.string().min(1),
  password,
});

const security = z.strictObject({
  sasl: sasl.optional(),
  ssl: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
});

/** The config's fields; `connector` and `logger` are objects with methods, checked by hand. */
export const streamingConfigSchema = z.strictObject({
  connector: z.union([z.string(), z.custom<object>((v) => typeof v === "object" && v !== null, "must be a connector name or a connector object")]).optional(),
  clientId: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, "must be 1 to 249 of [a-zA-Z0-9._-]").optional(),
  brokers: z.array(broker).optional(),
  connectionTimeout: positiveInt().optional(),
  requestTimeout: positiveInt().optional(),
  retry: retry.optional(),
  security: security.optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  logger: z.custom<object>((v) => typeof v === "object" && v !== null, "must be an object with debug, info, warn and error functions").optional(),
  logLevel: z.enum(["debug", "info", "warn", "error", "silent"]).optional(),
  telemetry: z.boolean().optional(),
});

/** Field paths whose values are secrets: a reason never shows what they hold. */
const SECRET_PATHS = new Set(["security.sasl.password"]);

/** `retry.retries`, `brokers[0]`, ... */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (typeof v !== "object" || v === null || !Object.hasOwn(v, p)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** What a value is, in a reason: `the string "1000"`, `the number 5`, `an array`, ... */
export function describeInput(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${describeValue(value)}`;
    case "number":
      return `the number ${describeValue(value)}`;
    case "boolean":
      return `${String(value)}`;
    case "object":
      return "an object";
    default:
      return describeValue(value);
  }
}

const EXPECTED: Record<string, string> = { int: "an integer", number: "a number", string: "a string", boolean: "true or false", object: "an object", array: "an array", record: "an object" };

/** The edit distance of two short names (for "did you mean ...?"). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The known name nearest to `name`, when it is close enough to be a typo. */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** The shape of the object at `path` in a strict schema, for the known keys of an unknown one. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  for (const p of path) {
    let inner = s as { shape?: Record<string, unknown>; unwrap?: () => unknown };
    while (typeof inner.unwrap === "function" && inner.shape === undefined) inner = inner.unwrap() as typeof inner;
    s = inner.shape?.[String(p)];
    if (s === undefined) return [];
  }
  let inner = s as { shape?: Record<string, unknown>; unwrap?: () => unknown };
  while (typeof inner.unwrap === "function" && inner.shape === undefined) inner = inner.unwrap() as typeof inner;
  return Object.keys(inner.shape ?? {});
}

/**
 * The first issue of a failed parse as a `VALIDATION` error naming the field, prefixed by
 * `prefix` (`producer.`, `options.`, ...). The reason is ours, built from the issue: a secret
 * field's value is never in it.
 */
export function issueError(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], input: unknown, prefix = "", context: Record<string, unknown> = {}): QiError {
  const issue = issues[0];
  if (issue === undefined) return validationError(prefix.replace(/\.$/, "") || "config", "is not valid", context);
  const path = issue.path as PropertyKey[];
  const field = prefix + fieldPath(path);
  const secret = SECRET_PATHS.has(fieldPath(path));
  const value = valueAt(input, path);
  // Our schemas' own reasons start in lower case ("must be ..."); zod's defaults ("Invalid
  // input ...") are rebuilt below from the issue, in our words.
  if (/^[a-z]/.test(issue.message) && issue.code !== "unrecognized_keys") return validationError(field || "config", issue.message, context);
  switch (issue.code) {
    case "unrecognized_keys": {
      const key = issue.keys[0] ?? "";
      const near = nearestName(key, knownKeysAt(schema, path));
      const where = path.length === 0 ? "" : ` of ${prefix}${fieldPath(path)}`;
      const hint = path.length === 0 && prefix === "" ? " (put client-specific settings in `options`)" : "";
      return validationError(prefix + fieldPath([...path, key]), `is not a known option${where}${near ? ` (did you mean ${near}?)` : hint}`, context);
    }
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return validationError(field || "config", secret ? `expected ${expected}` : `expected ${expected}, got ${describeInput(value)}`, context);
    }
    case "invalid_value":
      return validationError(field, `must be ${issue.values.map(String).join(", ").replace(/, ([^,]*)$/, " or $1")}${secret ? "" : ` (got ${describeInput(value)})`}`, context);
    case "too_small":
    case "too_big":
    case "not_multiple_of":
      if (typeof value === "number") return validationError(field, `must be ${rangeOf(issue)}${secret ? "" : ` (got ${describeInput(value)})`}`, context);
      return validationError(field, secret ? "must be a non-empty string or a Secret of one" : issue.code === "too_small" ? "must not be empty" : "is too long", context);
    case "invalid_format":
    case "custom":
      return validationError(field, issue.message, context);
    case "invalid_union":
      return validationError(field, `has the wrong type${secret ? "" : ` (got ${describeInput(value)})`}`, context);
    default:
      return validationError(field, secret ? "is not valid" : `is not valid (got ${describeInput(value)})`, context);
  }
}

function rangeOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "too_small") return `an integer of at least ${String(issue.minimum)}`;
  if (issue.code === "too_big") return `an integer of at most ${String(issue.maximum)}`;
  return "a whole number";
}

// The schema and the public interfaces describe the same config (fails to compile otherwise).
type Parsed = z.infer<typeof streamingConfigSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _retrySame: Same<NonNullable<Parsed["retry"]>, RetryConfig> = true;
const _mechanismSame: Same<NonNullable<NonNullable<Parsed["security"]>["sasl"]>["mechanism"], SaslConfig["mechanism"]> = true;
const _keysSame: Same<keyof Parsed, keyof StreamingConfig> = true;
void _retrySame;
void _mechanismSame;
void _keysSame;
