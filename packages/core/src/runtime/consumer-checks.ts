/**
 * Validation of the consumer's call arguments: pure functions, each a `Result`, so the
 * consumer itself reads as lifecycle and delivery only.
 */
import { err, ok, type Result } from "neverthrow";
import { validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { RunConfig, SubscriptionConfig } from "../interfaces.js";
import { checkOffset, checkPartition, checkTopicName } from "../messages/normalize.js";
import type { TopicPartition, TopicPartitionOffset } from "../messages/types.js";

/** A subscription: a non-empty array of valid topic names, an optional boolean `fromBeginning`. */
export function checkSubscription(config: SubscriptionConfig, context: ErrorContext): Result<void, QiError> {
  if (typeof config !== "object" || config === null || !Array.isArray(config.topics) || config.topics.length === 0) {
    return err(validationError("subscription.topics", "must be a non-empty array of topic names", context));
  }
  for (const t of config.topics) {
    const name = checkTopicName(t, context);
    if (name.isErr()) return err(name.error);
  }
  if (config.fromBeginning !== undefined && typeof config.fromBeginning !== "boolean") {
    return err(validationError("subscription.fromBeginning", "must be a boolean", context));
  }
  return ok(undefined);
}

/** Which handler `run()` was given: exactly one of `eachMessage` or `eachBatch`, a function. */
export function checkRunConfig(config: RunConfig, context: ErrorContext): Result<"eachMessage" | "eachBatch", QiError> {
  const c = config as Partial<Record<"eachMessage" | "eachBatch", unknown>> | null;
  const hasMessage = typeof c?.eachMessage === "function";
  const hasBatch = typeof c?.eachBatch === "function";
  if (hasMessage === hasBatch) return err(validationError("run", "give exactly one of eachMessage or eachBatch (a function)", context));
  return ok(hasBatch ? "eachBatch" : "eachMessage");
}

/** One `{ topic, partition, offset }`, checked and copied. */
export function checkTopicPartitionOffset(o: unknown, context: ErrorContext): Result<TopicPartitionOffset, QiError> {
  if (typeof o !== "object" || o === null) return err(validationError("offsets[]", "must be { topic, partition, offset }", context));
  const { topic, partition, offset } = o as Record<string, unknown>;
  const t = checkTopicName(topic, context);
  if (t.isErr()) return err(t.error);
  const p = checkPartition(partition, context);
  if (p.isErr()) return err(p.error);
  const off = checkOffset(offset, context);
  if (off.isErr()) return err(off.error);
  return ok({ topic: t.value, partition: p.value, offset: off.value });
}

/** The offsets of `commitOffsets(offsets)`: undefined (what was processed) or an array of valid ones. */
export function checkOffsets(offsets: unknown, context: ErrorContext): Result<TopicPartitionOffset[] | undefined, QiError> {
  if (offsets === undefined) return ok(undefined);
  if (!Array.isArray(offsets)) return err(validationError("offsets", "must be an array of { topic, partition, offset }", context));
  const out: TopicPartitionOffset[] = [];
  for (const o of offsets) {
    const r = checkTopicPartitionOffset(o, context);
    if (r.isErr()) return err(r.error);
    out.push(r.value);
  }
  return ok(out);
}

/** The partitions of `pause`/`resume`, checked and copied. */
export function checkPartitions(partitions: unknown, context: ErrorContext): Result<TopicPartition[], QiError> {
  if (!Array.isArray(partitions)) return err(validationError("partitions", "must be an array of { topic, partition }", context));
  const out: TopicPartition[] = [];
  for (const p of partitions) {
    const r = checkTopicPartitionOffset(typeof p === "object" && p !== null ? { ...p, offset: "0" } : p, context);
    if (r.isErr()) return err(r.error);
    out.push({ topic: r.value.topic, partition: r.value.partition });
  }
  return ok(out);
}
