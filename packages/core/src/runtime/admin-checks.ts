/**
 * The input checks of the admin's group, offset and topic operations: each reads its input once
 * into a plain copy (see `input/read.ts`) and returns it checked, or a `VALIDATION` error naming
 * the field. None throws, whatever it is given.
 */
import { err, ok, type Result } from "neverthrow";
import type { OffsetResetTarget, PartitionOffset } from "../admin-types.js";
import { validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import { describeValue, isRecord, plainCopy, readInput } from "../input/read.js";
import { checkOffset, checkPartition } from "../messages/normalize.js";

/** A group id: a non-empty string of at most 255 characters. */
export function checkGroupId(groupId: unknown, context: ErrorContext, field = "groupId"): Result<string, QiError> {
  if (typeof groupId !== "string" || groupId.length === 0 || groupId.length > 255) return err(validationError(field, `must be a non-empty string of at most 255 characters (got ${describeValue(groupId)})`, context));
  return ok(groupId);
}

/** A non-empty array of group ids, none twice. */
export function checkGroupIds(input: unknown, context: ErrorContext): Result<string[], QiError> {
  const read = readInput("groupIds", () => plainCopy(input), context);
  if (read.isErr()) return err(read.error);
  const ids = read.value;
  if (!Array.isArray(ids) || ids.length === 0) return err(validationError("groupIds", "must be a non-empty array of group ids", context));
  const out: string[] = [];
  for (const [i, id] of ids.entries()) {
    const checked = checkGroupId(id, context, `groupIds[${i}]`);
    if (checked.isErr()) return err(checked.error);
    out.push(checked.value);
  }
  if (new Set(out).size !== out.length) return err(validationError("groupIds", "names a group twice", context));
  return ok(out);
}

/** A time in ms since the epoch, not in the future (there is nothing to find there). */
export function checkTimestamp(timestamp: unknown, context: ErrorContext, field = "timestamp"): Result<number, QiError> {
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    return err(validationError(field, `must be a time in ms since the epoch, an integer from 0 (got ${describeValue(timestamp)})`, context));
  }
  if (timestamp > Date.now()) return err(validationError(field, `is in the future (${new Date(timestamp).toISOString()}): no message can be at or after it yet`, context));
  return ok(timestamp);
}

/** A partition count for `createPartitions`: an integer from 1 to 100,000. */
export function checkPartitionCount(count: unknown, context: ErrorContext): Result<number, QiError> {
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 100_000) {
    return err(validationError("count", `must be the new total number of partitions, an integer from 1 to 100000 (got ${describeValue(count)})`, context));
  }
  return ok(count);
}

/**
 * `[{ partition, offset }]`, each partition once; `allowLatest` accepts `"-1"` for "the
 * latest offset" (as Kafka's DeleteRecords does).
 */
export function checkPartitionOffsets(input: unknown, field: string, context: ErrorContext, allowLatest = false): Result<PartitionOffset[], QiError> {
  const read = readInput(field, () => plainCopy(input), context);
  if (read.isErr()) return err(read.error);
  const list = read.value;
  if (!Array.isArray(list) || list.length === 0) return err(validationError(field, "must be a non-empty array of { partition, offset }", context));
  const out: PartitionOffset[] = [];
  for (const [i, entry] of list.entries()) {
    if (!isRecord(entry)) return err(validationError(`${field}[${i}]`, "must be { partition, offset }", context));
    const partition = checkPartition(entry.partition, context);
    if (partition.isErr()) return err(validationError(`${field}[${i}].partition`, "must be an integer from 0", context));
    if (allowLatest && (entry.offset === "-1" || entry.offset === -1)) {
      out.push({ partition: partition.value, offset: "-1" });
      continue;
    }
    const offset = checkOffset(entry.offset, context);
    if (offset.isErr()) return err(validationError(`${field}[${i}].offset`, `must be a decimal string of a non-negative integer${allowLatest ? ' (or "-1" for the latest)' : ""} (got ${describeValue(entry.offset)})`, context));
    out.push({ partition: partition.value, offset: offset.value });
  }
  if (new Set(out.map((o) => o.partition)).size !== out.length) return err(validationError(field, "names a partition twice", context));
  return ok(out);
}

/** Where `resetOffsets` moves a group. */
export function checkResetTarget(input: unknown, context: ErrorContext): Result<OffsetResetTarget, QiError> {
  if (input === "earliest" || input === "latest") return ok(input);
  if (Array.isArray(input)) return checkPartitionOffsets(input, "to", context);
  const read = readInput("to", () => plainCopy(input), context);
  if (read.isErr()) return err(read.error);
  const to = read.value;
  if (isRecord(to) && Object.keys(to).length === 1 && "timestamp" in to) return checkTimestamp(to.timestamp, context, "to.timestamp").map((timestamp) => ({ timestamp }));
  return err(validationError("to", `must be "earliest", "latest", { timestamp } or [{ partition, offset }] (got ${describeValue(input)})`, context));
}

const CONFIG_NAME = /^[a-z0-9][a-z0-9._-]{0,248}$/i;

/** A non-empty object of configuration names to string values. */
export function checkConfigEntries(input: unknown, context: ErrorContext): Result<Record<string, string>, QiError> {
  const read = readInput("configs", () => plainCopy(input), context);
  if (read.isErr()) return err(read.error);
  const configs = read.value;
  if (!isRecord(configs) || Array.isArray(configs) || Object.keys(configs).length === 0) return err(validationError("configs", "must be a non-empty object of configuration names to string values", context));
  for (const [name, value] of Object.entries(configs)) {
    if (!CONFIG_NAME.test(name)) return err(validationError(`configs.${name.slice(0, 60)}`, "is not a configuration name", context));
    if (typeof value !== "string") return err(validationError(`configs.${name}`, `must be a string (got ${describeValue(value)}): Kafka's configs are strings, "604800000" not 604800000`, context));
  }
  return ok(configs as Record<string, string>);
}
