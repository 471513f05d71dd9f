/**
 * The public role objects. Every method returns a `Result` (synchronously) or a `ResultAsync`
 * (awaitable); none throws or rejects, whatever it is given.
 */
import type { ResultAsync } from "neverthrow";
import type { QiError } from "./errors/qi-error.js";
import type {
  ConsumedBatch,
  ConsumedMessage,
  MessageBatch,
  ProduceResult,
  StreamingMessage,
  TopicPartition,
  TopicPartitionOffset,
} from "./messages/types.js";

/** What a handler may return: nothing, or a `Result` whose `err` counts as a failure. */
export type HandlerReturn = void | { isErr(): boolean } | Promise<void | { isErr(): boolean }>;

/** What a handler is told about its attempt. */
export interface HandlerContext {
  /** Aborted when the attempt times out (`handlerTimeoutMs`) or the consumer disconnects. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, then 2, 3, ... */
  readonly attempt: number;
}

/** Handles one message; fails by throwing, rejecting or returning an `err` Result. */
export type EachMessageHandler = (message: ConsumedMessage, context: HandlerContext) => HandlerReturn;
/** Handles the messages of one partition at once; the batch is retried as a whole. */
export type EachBatchHandler = (batch: ConsumedBatch, context: HandlerContext) => HandlerReturn;

/** Exactly one of `eachMessage` or `eachBatch`. */
export type RunConfig = { readonly eachMessage: EachMessageHandler } | { readonly eachBatch: EachBatchHandler };

export interface SubscriptionConfig {
  readonly topics: readonly string[];
  /** Where to start when the group has no committed offset. @default false (latest) */
  readonly fromBeginning?: boolean;
}

export interface TopicConfig {
  readonly topic: string;
  /** @default 1 */
  readonly numPartitions?: number;
  /** @default 1 */
  readonly replicationFactor?: number;
  /** Topic-level configs, e.g. `{ "cleanup.policy": "compact" }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface PartitionMetadata {
  readonly partitionId: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly partitions: readonly PartitionMetadata[];
}

export interface IStreamingProducer {
  /** Connects; idempotent. */
  connect(): ResultAsync<void, QiError>;
  /** Resolves once the broker acknowledged the write (acks all by default). */
  send(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError>;
  /** One result per message, in input order. */
  sendBatch(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError>;
  /** Resolves once everything sent so far is acknowledged. */
  flush(): ResultAsync<void, QiError>;
  /** Flushes and closes; idempotent. */
  disconnect(): ResultAsync<void, QiError>;
  isConnected(): boolean;
  /** The client library's own producer object, for what this API does not cover. */
  getNativeClient(): unknown;
}

export interface IStreamingConsumer {
  connect(): ResultAsync<void, QiError>;
  subscribe(config: SubscriptionConfig): ResultAsync<void, QiError>;
  /** Resolves once the consumer has joined its group and owns its assignment. */
  run(config: RunConfig): ResultAsync<void, QiError>;
  /** Commits what was processed (no argument) or the given next-offsets-to-read. */
  commitOffsets(offsets?: readonly TopicPartitionOffset[]): ResultAsync<void, QiError>;
  /** The next message read from the partition is the one at `offset`. */
  seek(topic: string, partition: number, offset: string): ResultAsync<void, QiError>;
  pause(partitions: readonly TopicPartition[]): ResultAsync<void, QiError>;
  resume(partitions: readonly TopicPartition[]): ResultAsync<void, QiError>;
  /** The partitions this member owns now. */
  assignment(): readonly TopicPartition[];
  /** Finishes in-flight handlers, commits, leaves the group; idempotent. */
  disconnect(): ResultAsync<void, QiError>;
  isConnected(): boolean;
  getNativeClient(): unknown;
}

export interface IStreamingAdmin {
  connect(): ResultAsync<void, QiError>;
  createTopics(topics: readonly TopicConfig[]): ResultAsync<void, QiError>;
  deleteTopics(topics: readonly string[]): ResultAsync<void, QiError>;
  listTopics(): ResultAsync<readonly string[], QiError>;
  getTopicMetadata(topics: readonly string[]): ResultAsync<readonly TopicMetadata[], QiError>;
  /** The group's committed offsets (next offset to read), for one topic or all. */
  fetchCommittedOffsets(groupId: string, topic?: string): ResultAsync<readonly TopicPartitionOffset[], QiError>;
  disconnect(): ResultAsync<void, QiError>;
  isConnected(): boolean;
  getNativeClient(): unknown;
}
