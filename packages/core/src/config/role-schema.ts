/**
 * The schemas (zod 4) of a producer's and a consumer's config: one declaration of each field's
 * shape, from which `checkProducerConfig` and `checkConsumerConfig` take the path and reason of
 * a `VALIDATION` error (through `issueError`, as for the client's config). As there, the public
 * types stay the documented interfaces of `types.ts`, kept the same shape by the compile-time
 * assertions at the end.
 */
import { z } from "zod";
import type { ConsumerConfig, FailurePolicy, HandlerRetryConfig, ProducerConfig } from "./types.js";
import { integer, positiveInt } from "./schema.js";

export const producerConfigSchema = z
  .strictObject({
    acks: z.union([z.literal("all"), z.literal(-1), z.literal(0), z.literal(1)], { error: 'must be "all", -1, 0 or 1' }).optional(),
    idempotent: z.boolean().optional(),
    timeout: positiveInt().optional(),
    compression: z.enum(["none", "gzip", "snappy", "lz4", "zstd"], { error: "must be none, gzip, snappy, lz4 or zstd" }).optional(),
    lingerMs: integer(0, 60_000).optional(),
    batchSize: positiveInt(64 * 1024 * 1024).optional(),
    bufferMemory: positiveInt(2 ** 31 - 1).optional(),
    maxBlockMs: positiveInt().optional(),
    closeTimeoutMs: positiveInt().optional(),
    transactionalId: z.string({ error: "must be a non-empty string" }).min(1, { error: "must be a non-empty string" }).max(255, { error: "must be at most 255 characters" }).optional(),
    transactionTimeoutMs: positiveInt(900_000).optional(),
  })
  // A transaction's writes are idempotent and acknowledged by every replica (Java refuses otherwise).
  .refine((c) => c.transactionalId === undefined || (c.idempotent !== false && (c.acks === undefined || c.acks === "all" || c.acks === -1)), {
    path: ["transactionalId"],
    error: 'a transactional producer needs idempotent writes and acks "all"',
  })
  // Java's rule: idempotence needs every replica's acknowledgement.
  .refine((c) => !(c.idempotent === true && c.acks !== undefined && c.acks !== "all" && c.acks !== -1), {
    path: ["idempotent"],
    error: 'idempotent writes need acks "all"',
  });

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const POLICY_REASON = 'must be "stop", "skip" or { deadLetterTopic: "<valid topic name>" }';

const failurePolicy = z.union([z.literal("stop"), z.literal("skip"), z.strictObject({ deadLetterTopic: z.string().regex(TOPIC, { error: "must be a topic name: 1 to 249 of [a-zA-Z0-9._-]" }) })], { error: POLICY_REASON });

const handlerRetry = z.strictObject({
  attempts: positiveInt(1000).optional(),
  initialBackoffMs: positiveInt().optional(),
  maxBackoffMs: positiveInt().optional(),
});

export const consumerConfigSchema = z.strictObject({
  groupId: z.string({ error: "must be a non-empty string" }).min(1, { error: "must be a non-empty string" }).max(255, { error: "must be at most 255 characters" }),
  sessionTimeout: positiveInt().optional(),
  autoCommit: z.boolean().optional(),
  maxBatchSize: positiveInt(1_000_000).optional(),
  maxBufferedBytes: positiveInt(1_073_741_824).optional(),
  retry: handlerRetry.optional(),
  onFailure: failurePolicy.optional(),
  handlerTimeoutMs: positiveInt().optional(),
  closeTimeoutMs: positiveInt().optional(),
  isolationLevel: z.enum(["read_committed", "read_uncommitted"], { error: 'must be "read_committed" or "read_uncommitted"' }).optional(),
  onError: z.custom<(error: unknown) => void>((v) => typeof v === "function", "must be a function").optional(),
  groupProtocol: z.enum(["classic", "consumer"], { error: 'must be "classic" or "consumer"' }).optional(),
  stallDetection: z
    .strictObject({
      handlerMs: z.union([positiveInt(), z.literal(false)]).optional(),
      fetchMs: z.union([positiveInt(), z.literal(false)]).optional(),
      membershipMs: z.union([positiveInt(), z.literal(false)]).optional(),
    })
    .optional(),
});

// The schemas and the public interfaces describe the same configs (fails to compile otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Producer = z.infer<typeof producerConfigSchema>;
type Consumer = z.infer<typeof consumerConfigSchema>;
const _producerKeys: Same<keyof Producer, keyof ProducerConfig> = true;
const _acks: Same<NonNullable<Producer["acks"]>, NonNullable<ProducerConfig["acks"]>> = true;
const _compression: Same<NonNullable<Producer["compression"]>, NonNullable<ProducerConfig["compression"]>> = true;
const _consumerKeys: Same<keyof Consumer, keyof ConsumerConfig> = true;
const _retry: Same<keyof NonNullable<Consumer["retry"]>, keyof HandlerRetryConfig> = true;
const _policy: Same<NonNullable<Consumer["onFailure"]> extends infer P ? (P extends object ? keyof P : P) : never, FailurePolicy extends infer P ? (P extends object ? keyof P : P) : never> = true;
void [_producerKeys, _acks, _compression, _consumerKeys, _retry, _policy];
