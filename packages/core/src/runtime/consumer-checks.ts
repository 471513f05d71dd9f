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
