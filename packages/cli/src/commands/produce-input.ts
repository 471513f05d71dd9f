/**
 * `produce --json`: one JSON object per line, `{ key?, value, headers?, partition?, timestamp? }`.
 * `consume --json` prints the same shape plus `topic` and `offset`, which are accepted and not
 * used, so one tool's output can be fed to the other; any other field is refused (a typo such as
 * `"haeders"` would otherwise drop the headers in silence).
 */
import type { StreamingMessage } from "@qi/streaming";
import { EXIT, Failure } from "../failure.js";

/** Header values: a name given more than once is an array, sent as that many headers. */
export type Headers = Record<string, string | string[]>;

/** What the flags give every message; a line's own fields win. */
export interface Defaults {
  /** `--key`. */
  readonly key?: string;
  /** `--header`; merged under the line's own headers. */
  readonly headers: Headers;
  /** `--partition`. */
  readonly partition?: number;
}

const KNOWN = new Set(["key", "value", "headers", "partition", "timestamp", "topic", "offset"]);

function bad(lineNo: number, what: string): Failure {
  return new Failure({ category: "VALIDATION", code: "INVALID_INPUT", message: `line ${lineNo}: ${what}` }, EXIT.failed);
}

function headersOf(raw: unknown, lineNo: number): Headers {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(lineNo, "headers must be an object of strings");
  const out: Headers = {};
  for (const [name, v] of Object.entries(raw)) {
    const ok = typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"));
    if (!ok) throw bad(lineNo, `header "${name.slice(0, 40)}" must be a string or an array of strings`);
    out[name] = v as string | string[];
  }
  return out;
}

function timestampOf(raw: unknown, lineNo: number): Date {
  const date = typeof raw === "number" || typeof raw === "string" ? new Date(raw) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw bad(lineNo, "timestamp must be ms since the epoch or an ISO 8601 string");
  return date;
}

/** The message of one line; `undefined` for a blank line; a `Failure` (thrown) for a bad one. */
export function parseJsonLine(line: string, lineNo: number, defaults: Defaults): StreamingMessage | undefined {
  if (line.trim() === "") return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw bad(lineNo, "not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(lineNo, "must be a JSON object");
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !KNOWN.has(k));
  if (unknown !== undefined) throw bad(lineNo, `unknown field "${unknown.slice(0, 40)}" (the fields: key, value, headers, partition, timestamp)`);
  if (!("value" in o)) throw bad(lineNo, 'needs a "value" (null for a tombstone)');
  if (o.key !== undefined && o.key !== null && typeof o.key !== "string") throw bad(lineNo, "key must be a string or null");
  const partition = o.partition ?? defaults.partition;
  if (partition !== undefined && (typeof partition !== "number" || !Number.isInteger(partition) || partition < 0)) throw bad(lineNo, "partition must be a whole number");
  const key = o.key === undefined ? defaults.key : (o.key as string | null);
  // A value that is not text is sent as its JSON text: `{"value": {"id": 1}}` sends `{"id":1}`.
  const value = o.value === null || typeof o.value === "string" ? o.value : JSON.stringify(o.value);
  const headers = o.headers === undefined ? defaults.headers : { ...defaults.headers, ...headersOf(o.headers, lineNo) };
  return {
    value,
    headers,
    ...(key === undefined ? {} : { key }),
    ...(partition === undefined ? {} : { partition }),
    ...(o.timestamp === undefined ? {} : { timestamp: timestampOf(o.timestamp, lineNo) }),
  };
}
