/**
 * Message normalisation, shared by every connector: validation and copying on the way out,
 * one consumed-message shape on the way in (clients give headers as objects, Maps or
 * undefined, offsets as strings or bigints, absent keys as undefined).
 */
import { err, ok, type Result } from "neverthrow";
import { validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import { readInput } from "../input/read.js";
import type { ConsumedMessage, OutgoingRecord, StreamingMessage } from "./types.js";

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Names already checked (an application sends to few topics; bounded all the same). */
const validTopics = new Set<string>();

/** Kafka's topic name rule: 1 to 249 of `[a-zA-Z0-9._-]`, and not `.` or `..`. */
export function checkTopicName(topic: unknown, context: ErrorContext = {}): Result<string, QiError> {
  if (typeof topic !== "string") return err(validationError("topic", "must be a string", context));
  if (validTopics.has(topic)) return ok(topic);
  if (!TOPIC_NAME.test(topic) || topic === "." || topic === "..") {
    return err(validationError("topic", `"${topic.slice(0, 60)}" is not a valid topic name ([a-zA-Z0-9._-], 1 to 249 characters)`, context));
  }
  if (validTopics.size >= 10_000) validTopics.clear();
  validTopics.add(topic);
  return ok(topic);
}

/** A partition number: an integer from 0. */
export function checkPartition(partition: unknown, context: ErrorContext = {}): Result<number, QiError> {
  if (typeof partition !== "number" || !Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    return err(validationError("partition", "must be an integer from 0", context));
  }
  return ok(partition);
}

/** An offset given as a decimal string (or a safe non-negative integer). */
export function checkOffset(offset: unknown, context: ErrorContext = {}): Result<string, QiError> {
  if (typeof offset === "number" && Number.isSafeInteger(offset) && offset >= 0) return ok(String(offset));
  if (typeof offset === "string" && /^(0|[1-9][0-9]{0,18})$/.test(offset)) return ok(offset);
  return err(validationError("offset", "must be a decimal string of a non-negative integer", context));
}

function toBuffer(value: unknown, field: string, context: ErrorContext): Result<Buffer | null, QiError> {
  if (value === null) return ok(null);
  if (typeof value === "string") return ok(Buffer.from(value, "utf8"));
  // Copy: the caller may reuse its buffer, and some clients mutate what they are given.
  if (Buffer.isBuffer(value)) return ok(Buffer.from(value));
  if (value instanceof Uint8Array) return ok(Buffer.from(value));
  return err(validationError(field, "must be a string, a Buffer or null", context));
}

function toHeaderValue(value: unknown): Buffer | null {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value);
  return null;
}

function toHeaders(headers: unknown, context: ErrorContext): Result<Record<string, Buffer | Buffer[]>, QiError> {
  const out: Record<string, Buffer | Buffer[]> = {};
  if (headers === undefined || headers === null) return ok(out);
  if (typeof headers !== "object" || Array.isArray(headers) || Buffer.isBuffer(headers)) {
    return err(validationError("message.headers", "must be an object of string or Buffer values (or arrays of them)", context));
  }
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) {
      // A repeated name: one header per element, in order. An empty array would send nothing, which reads as a mistake.
      if (value.length === 0) return err(validationError(`message.headers.${name}`, "must not be an empty array", context));
      const values: Buffer[] = [];
      for (let i = 0; i < value.length; i++) {
        const buf = toHeaderValue(value[i]);
        if (buf === null) return err(validationError(`message.headers.${name}[${i}]`, "must be a string or a Buffer", context));
        values.push(buf);
      }
      // One element is one header: the same record as the plain value.
      out[name] = values.length === 1 ? values[0]! : values;
      continue;
    }
    const buf = toHeaderValue(value);
    if (buf === null) return err(validationError(`message.headers.${name}`, "must be a string, a Buffer or an array of them", context));
    out[name] = buf;
  }
  return ok(out);
}

type MessageFields = Partial<Record<keyof StreamingMessage, unknown>>;

/** The fields of a message, each read once (a getter or a Proxy trap may throw: call inside `readInput`). */
function readMessage(message: object): MessageFields {
  const m = message as MessageFields;
  return { value: m.value, key: m.key, headers: m.headers, timestamp: m.timestamp, partition: m.partition };
}

/** Validates and copies a message to produce. Never mutates its input; reads each of its fields once, defensively. */
export function normalizeOutgoing(topic: unknown, message: unknown, context: ErrorContext = {}): Result<OutgoingRecord, QiError> {
  const name = checkTopicName(topic, context);
  if (name.isErr()) return err(name.error);
  const ctx = { ...context, topic: name.value };
  const read = readInput("message", () => {
    if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
    // The copy's buffers and headers are made inside the same `try`: a Buffer's or a header object's reads may throw too.
    return toRecord(name.value, readMessage(message), ctx);
  }, ctx);
  if (read.isErr()) return err(read.error);
  return read.value ?? err(validationError("message", "must be an object with a value", ctx));
}

function toRecord(topic: string, m: MessageFields, ctx: ErrorContext): Result<OutgoingRecord, QiError> {
  if (m.value === undefined) return err(validationError("message.value", "is required (null for a tombstone)", ctx));
  const value = toBuffer(m.value, "message.value", ctx);
  if (value.isErr()) return err(value.error);
  const key = m.key === undefined ? ok(null) : toBuffer(m.key, "message.key", ctx);
  if (key.isErr()) return err(key.error);
  const headers = toHeaders(m.headers, ctx);
  if (headers.isErr()) return err(headers.error);
  let timestamp: number | undefined;
  if (m.timestamp !== undefined) {
    if (!(m.timestamp instanceof Date) || Number.isNaN(m.timestamp.getTime()) || m.timestamp.getTime() < 0) {
      return err(validationError("message.timestamp", "must be a valid Date", ctx));
    }
    timestamp = m.timestamp.getTime();
  }
  let partition: number | undefined;
  if (m.partition !== undefined) {
    const p = checkPartition(m.partition, ctx);
    if (p.isErr()) return err(validationError("message.partition", p.error.message.replace(/^partition: /, ""), ctx));
    partition = p.value;
  }
  return ok({ topic, key: key.value, value: value.value, headers: headers.value, timestamp, partition });
}

/** Validates a batch: an array of `{ topic, message }`; the first bad entry is named by index. */
export function normalizeBatch(batch: unknown, context: ErrorContext = {}): Result<OutgoingRecord[], QiError> {
  const read = readInput("batch", () => readBatch(batch, context), context);
  return read.isErr() ? err(read.error) : read.value;
}

/** Reads the batch once: its length, each entry, each entry's topic and message (inside `readInput`). */
function readBatch(batch: unknown, context: ErrorContext): Result<OutgoingRecord[], QiError> {
  if (!Array.isArray(batch)) return err(validationError("batch", "must be an array of { topic, message }", context));
  const length = batch.length;
  const out: OutgoingRecord[] = new Array<OutgoingRecord>(length);
  for (let i = 0; i < length; i++) {
    const entry: unknown = batch[i];
    if (typeof entry !== "object" || entry === null) return err(validationError(`batch[${i}]`, "must be { topic, message }", context));
    const e = entry as { topic?: unknown; message?: unknown };
    const record = normalizeOutgoing(e.topic, e.message, context);
    if (record.isErr()) return err({ ...record.error, message: `batch[${i}].${record.error.message}` });
    out[i] = record.value;
  }
  return ok(out);
}

/** Offsets arrive as strings, numbers or bigints; they leave as decimal strings. */
export function toOffsetString(offset: string | number | bigint): string {
  return typeof offset === "string" ? offset : offset.toString();
}

function toBufferOrNull(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

function addIncoming(out: Record<string, Buffer | Buffer[]>, name: string, buf: Buffer): void {
  const seen = Object.hasOwn(out, name) ? out[name] : undefined;
  if (seen === undefined) out[name] = buf;
  else if (Array.isArray(seen)) seen.push(buf);
  else out[name] = [seen, buf];
}

/**
 * Headers as clients give them (an object whose repeated names are arrays, a Map, or a list of
 * pairs, where a name may repeat) to one shape: a name seen once is a `Buffer`, a name seen more
 * than once a `Buffer[]` in wire order.
 */
function toIncomingHeaders(headers: unknown): Record<string, Buffer | Buffer[]> {
  const out: Record<string, Buffer | Buffer[]> = {};
  if (headers === null || headers === undefined) return out;
  const entries: Iterable<[unknown, unknown]> =
    headers instanceof Map ? headers.entries() : Array.isArray(headers) ? headers : Object.entries(headers as object);
  for (const [k, v] of entries) {
    const name = Buffer.isBuffer(k) ? k.toString("utf8") : String(k);
    for (const value of Array.isArray(v) ? v : [v]) {
      const buf = toBufferOrNull(value);
      if (buf !== null) addIncoming(out, name, buf);
    }
  }
  return out;
}

/** A consumed message as clients deliver it, loosely typed. */
export interface RawIncoming {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The offset, in whatever type the client uses. */
  readonly offset: string | number | bigint;
  /** The key: Buffer, string, null or undefined. */
  readonly key?: unknown;
  /** The value: Buffer, string, null or undefined. */
  readonly value?: unknown;
  /** Headers: an object, a Map, an array of pairs or undefined; values Buffer or string, or arrays of them for a repeated name (all kept, in order). */
  readonly headers?: unknown;
  /** Milliseconds since the epoch (any numeric type) or a Date. */
  readonly timestamp?: string | number | bigint | Date;
}

/** The one consumed-message shape: key and value `Buffer | null`, headers `{}` at least, offset a string. */
export function normalizeIncoming(raw: RawIncoming): ConsumedMessage {
  const ts = raw.timestamp;
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: toOffsetString(raw.offset),
    key: toBufferOrNull(raw.key),
    value: toBufferOrNull(raw.value),
    headers: toIncomingHeaders(raw.headers),
    timestamp: ts instanceof Date ? ts : new Date(ts === undefined ? 0 : Number(ts)),
  };
}
