/**
 * Validation of the consumer's call arguments: pure functions, each a `Result`, so the
 * consumer itself reads as lifecycle and delivery only. Each reads its argument once,
 * defensively (`readInput`), and returns a plain copy: the consumer uses the copy only.
 */
import { err, ok, type Result } from "neverthrow";
import { validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import { readInput } from "../input/read.js";
import type { EachBatchHandler, EachMessageHandler, SubscriptionConfig } from "../interfaces.js";
import { checkOffset, checkPartition, checkTopicName } from "../messages/normalize.js";
import type { TopicPartition, TopicPartitionOffset } from "../messages/types.js";
import { DEFAULT_MAX_HELD_MESSAGES, type ResolvedConcurrency } from "./concurrent-delivery.js";

/** A subscription read once: `{ topics, fromBeginning }` as plain values. */
function readSubscription(config: unknown): { topics: unknown[] | undefined; fromBeginning: unknown } | undefined {
  if (typeof config !== "object" || config === null) return undefined;
  const c = config as { topics?: unknown; fromBeginning?: unknown };
  const topics = c.topics;
  return { topics: Array.isArray(topics) ? [...(topics as unknown[])] : undefined, fromBeginning: c.fromBeginning };
}

/** A subscription: a non-empty array of valid topic names, an optional boolean `fromBeginning`. Returns the checked copy. */
export function checkSubscription(config: unknown, context: ErrorContext): Result<Required<SubscriptionConfig>, QiError> {
  const read = readInput("subscription", () => readSubscription(config), context);
  if (read.isErr()) return err(read.error);
  const c = read.value;
  if (c === undefined || c.topics === undefined || c.topics.length === 0) {
    return err(validationError("subscription.topics", "must be a non-empty array of topic names", context));
  }
  const topics: string[] = [];
  for (const t of c.topics) {
    const name = checkTopicName(t, context);
    if (name.isErr()) return err(name.error);
    topics.push(name.value);
  }
  if (c.fromBeginning !== undefined && typeof c.fromBeginning !== "boolean") {
    return err(validationError("subscription.fromBeginning", "must be a boolean", context));
  }
  return ok({ topics, fromBeginning: c.fromBeginning ?? false });
}

/** The handler `run()` was given, read once. */
export type CheckedHandler = { readonly eachMessage: EachMessageHandler } | { readonly eachBatch: EachBatchHandler };

/** Which handler `run()` was given: exactly one of `eachMessage` or `eachBatch`, a function. Returns it, read once. */
export function checkRunConfig(config: unknown, context: ErrorContext): Result<CheckedHandler, QiError> {
  const read = readInput("run", () => {
    if (typeof config !== "object" || config === null) return { eachMessage: undefined, eachBatch: undefined };
    const c = config as Partial<Record<"eachMessage" | "eachBatch", unknown>>;
    return { eachMessage: c.eachMessage, eachBatch: c.eachBatch };
  }, context);
  if (read.isErr()) return err(read.error);
  const { eachMessage, eachBatch } = read.value;
  const hasMessage = typeof eachMessage === "function";
  const hasBatch = typeof eachBatch === "function";
  if (hasMessage === hasBatch) return err(validationError("run", "give exactly one of eachMessage or eachBatch (a function)", context));
  return ok(hasBatch ? { eachBatch: eachBatch as EachBatchHandler } : { eachMessage: eachMessage as EachMessageHandler });
}

/** One `{ topic, partition, offset }`, checked and copied. */
export function checkTopicPartitionOffset(o: unknown, context: ErrorContext): Result<TopicPartitionOffset, QiError> {
  if (typeof o !== "object" || o === null) return err(validationError("offsets[]", "must be { topic, partition, offset }", context));
  const read = readInput("offsets[]", () => {
    const { topic, partition, offset } = o as Record<string, unknown>;
    return { topic, partition, offset };
  }, context);
  if (read.isErr()) return err(read.error);
  const { topic, partition, offset } = read.value;
  const t = checkTopicName(topic, context);
  if (t.isErr()) return err(t.error);
  const p = checkPartition(partition, context);
  if (p.isErr()) return err(p.error);
  const off = checkOffset(offset, context);
  if (off.isErr()) return err(off.error);
  return ok({ topic: t.value, partition: p.value, offset: off.value });
}

/** The offsets of `commitOffsets(offsets)`: undefined (what was processed) or an array of valid ones, one per partition. */
export function checkOffsets(offsets: unknown, context: ErrorContext): Result<TopicPartitionOffset[] | undefined, QiError> {
  if (offsets === undefined) return ok(undefined);
  const read = readInput("offsets", () => (Array.isArray(offsets) ? [...(offsets as unknown[])] : undefined), context);
  if (read.isErr()) return err(read.error);
  if (read.value === undefined) return err(validationError("offsets", "must be an array of { topic, partition, offset }", context));
  // One offset per partition, the last given winning (as the broker keeps the last it is sent):
  // a client that confirms its commit by reading it back could match only one of two.
  const out = new Map<string, TopicPartitionOffset>();
  for (const o of read.value) {
    const r = checkTopicPartitionOffset(o, context);
    if (r.isErr()) return err(r.error);
    const key = `${r.value.partition}:${r.value.topic}`;
    out.delete(key);
    out.set(key, r.value);
  }
  return ok([...out.values()]);
}

/** The partitions of `pause`/`resume`, checked and copied. */
export function checkPartitions(partitions: unknown, context: ErrorContext): Result<TopicPartition[], QiError> {
  const read = readInput(
    "partitions",
    () => (Array.isArray(partitions) ? (partitions as unknown[]).map((p) => (typeof p === "object" && p !== null ? { topic: (p as TopicPartition).topic, partition: (p as TopicPartition).partition, offset: "0" } : p)) : undefined),
    context,
  );
  if (read.isErr()) return err(read.error);
  if (read.value === undefined) return err(validationError("partitions", "must be an array of { topic, partition }", context));
  const out: TopicPartition[] = [];
  for (const p of read.value) {
    const r = checkTopicPartitionOffset(p, context);
    if (r.isErr()) return err(r.error);
    out.push({ topic: r.value.topic, partition: r.value.partition });
  }
  return ok(out);
}

/**
 * `run({ concurrency })`, read once: undefined (one handler per partition at a time) or
 * `{ by, limit, maxHeldMessages }` with the default filled in. By key needs `eachMessage` and no
 * `exactlyOnce` (a transaction holds a slice of one partition in order).
 */
export function checkConcurrency(config: unknown, eachBatch: boolean, exactlyOnce: boolean, context: ErrorContext): Result<ResolvedConcurrency | undefined, QiError> {
  const read = readInput("concurrency", () => {
    const c: unknown = typeof config === "object" && config !== null ? (config as { concurrency?: unknown }).concurrency : undefined;
    if (c === undefined) return undefined;
    if (typeof c !== "object" || c === null) return null;
    const { by, limit, maxHeldMessages } = c as Record<string, unknown>;
    return { by, limit, maxHeldMessages };
  }, context);
  if (read.isErr()) return err(read.error);
  const c = read.value;
  if (c === undefined) return ok(undefined);
  if (c === null) return err(validationError("concurrency", 'must be { by: "partition" | "key", limit }', context));
  if (c.by !== "partition" && c.by !== "key") return err(validationError("concurrency.by", 'must be "partition" or "key"', context));
  const isCount = (v: unknown, max: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max;
  if (!isCount(c.limit, 10_000)) return err(validationError("concurrency.limit", "must be an integer from 1 to 10000", context));
  if (c.maxHeldMessages !== undefined && (!isCount(c.maxHeldMessages, 10_000_000) || c.maxHeldMessages < c.limit)) {
    return err(validationError("concurrency.maxHeldMessages", "must be an integer from limit to 10000000", context));
  }
  if (c.by === "key" && eachBatch) return err(validationError("concurrency.by", '"key" hands over one message at a time: use eachMessage, or by "partition" with eachBatch', context));
  if (c.by === "key" && exactlyOnce) return err(validationError("concurrency.by", '"key" cannot be combined with exactlyOnce (a transaction carries a slice of one partition, in order): use by "partition"', context));
  return ok({ by: c.by, limit: c.limit, maxHeldMessages: c.maxHeldMessages ?? Math.max(DEFAULT_MAX_HELD_MESSAGES, c.limit) });
}
