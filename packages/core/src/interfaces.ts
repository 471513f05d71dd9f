/**
 * The public role objects. Every method returns a `Result` (synchronously) or a `ResultAsync`
 * (awaitable); none throws or rejects, whatever it is given.
 */
import type { ResultAsync } from "neverthrow";
import type { ClusterDescription, ConfigEntry, GroupDescription, GroupListing, OffsetResetTarget, PartitionLag, PartitionOffset, PartitionOffsets } from "./admin-types.js";
import type { QiError } from "./errors/qi-error.js";
import type { ConsumerEventListener, ConsumerEventName } from "./runtime/consumer-events.js";
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
export type HandlerReturn =
  | void
  | {
      /** True for a failed Result: the attempt counts as failed. */
      isErr(): boolean;
    }
  | Promise<
      | void
      | {
          /** True for a failed Result: the attempt counts as failed. */
          isErr(): boolean;
        }
    >;

/** What a handler is told about its attempt. */
export interface HandlerContext {
  /** Aborted when the attempt times out (`handlerTimeoutMs`) or the consumer disconnects. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, then 2, 3, ... */
  readonly attempt: number;
  /**
   * In an exactly-once `run()` (`exactlyOnce`), the slice's open transaction: send the
   * handler's output through it, and it commits with the slice's offsets, or aborts when the
   * attempt fails. Undefined otherwise.
   */
  readonly transaction?: IStreamingTransaction | undefined;
}

/** Handles one message; fails by throwing, rejecting or returning an `err` Result. */
export type EachMessageHandler = (message: ConsumedMessage, context: HandlerContext) => HandlerReturn;
/** Handles the messages of one partition at once; the batch is retried as a whole. */
export type EachBatchHandler = (batch: ConsumedBatch, context: HandlerContext) => HandlerReturn;

/** Exactly one of `eachMessage` or `eachBatch`, and the run's options. */
export type RunConfig = (
  | {
      /** Called once per message, in offset order per partition. */
      readonly eachMessage: EachMessageHandler;
    }
  | {
      /** Called once per fetched slice of one partition (at most `maxBatchSize` messages). */
      readonly eachBatch: EachBatchHandler;
    }
) &
  RunOptions;

/** Options of `consumer.run()` besides the handler. */
export interface RunOptions {
  /**
   * Exactly-once processing (consume, transform, produce): each slice of a partition is handled
   * in one transaction of this transactional producer, which carries the handler's output
   * (`context.transaction`) and the slice's offsets and commits them together. A failed attempt
   * aborts its transaction (its output is never visible to `read_committed`) and the slice is
   * handled again from its first message. The consumer commits through the transactions only.
   * See docs/transactions.md.
   */
  readonly exactlyOnce?: {
    /** A connected producer made with a `transactionalId`. */
    readonly producer: IStreamingProducer;
  };
  /**
   * Handlers running at once in this member (see docs/concurrency.md). Without it, one handler
   * per partition at a time, partitions as the client hands them over. Commits stay
   * at-least-once and gap-safe: a partition's committed offset never passes a message whose
   * handler has not succeeded.
   */
  readonly concurrency?: ConcurrencyConfig;
}

/** `run({ concurrency })`: how many handlers run at once, and what keeps order. */
export interface ConcurrencyConfig {
  /**
   * `"partition"`: up to `limit` partitions handled at once, one message (or slice) of each at a
   * time, order per partition kept. `"key"`: up to `limit` messages in flight at once, several of
   * one partition, never two of the same key (messages without a key take turns per partition),
   * order per key kept; `eachMessage` only.
   */
  readonly by: "partition" | "key";
  /** Most handlers running at once in this member (1 to 10,000). */
  readonly limit: number;
  /**
   * Most fetched messages the member holds, handled or waiting (back-pressure: at the bound the
   * client waits before it hands over more). @default 1000, at least `limit`
   */
  readonly maxHeldMessages?: number;
}

/** Offsets for `transaction.sendOffsets`: of a consumer of this process (its group), or of a group by id. */
export type TransactionOffsets =
  | {
      /** The group member whose offsets these are (connected, with `run()` started). */
      readonly consumer: IStreamingConsumer;
      /** Next offsets to read, committed with the transaction. */
      readonly offsets: readonly TopicPartitionOffset[];
    }
  | {
      /** The group whose offsets these are. */
      readonly groupId: string;
      /** Next offsets to read, committed with the transaction. */
      readonly offsets: readonly TopicPartitionOffset[];
    };

/**
 * One open transaction of a transactional producer (`producer.transaction()`): what it sends
 * and the offsets it carries become visible together on `commit()`, or never (`abort()`).
 * Once committed or aborted, every call is a `STATE` error (`TRANSACTION_CLOSED`).
 */
export interface IStreamingTransaction {
  /** Sends one message in the transaction; resolves once the broker has it (visible on commit). */
  send(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError>;
  /** Sends messages in the transaction; one result per message, in input order. */
  sendBatch(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError>;
  /** Adds a group's offsets: committed only if the transaction commits. */
  sendOffsets(offsets: TransactionOffsets): ResultAsync<void, QiError>;
  /**
   * Waits for the transaction's sends, then commits. When a send of it failed, it aborts
   * instead and returns `TRANSACTION_ABORTED` with the send's error as `cause`: nothing of it
   * becomes visible.
   */
  commit(): ResultAsync<void, QiError>;
  /** Aborts: nothing of the transaction becomes visible to `read_committed`, its offsets are not committed. */
  abort(): ResultAsync<void, QiError>;
  /** True until `commit()` or `abort()` is called. */
  isOpen(): boolean;
}

/** What `consumer.subscribe()` takes. */
export interface SubscriptionConfig {
  /**
   * Topic names to consume; each must exist, else `subscribe()` is `NOT_FOUND` / `TOPIC_NOT_FOUND`
   * within `connectionTimeout + requestTimeout`, on every connector (memory with `autoCreateTopics`
   * creates a missing topic instead, with one partition, as its producer does).
   */
  readonly topics: readonly string[];
  /** Where to start when the group has no committed offset. @default false (latest) */
  readonly fromBeginning?: boolean;
}

/** A topic for `admin.createTopics()`. */
export interface TopicConfig {
  /** The topic name (1 to 249 of `[a-zA-Z0-9._-]`). */
  readonly topic: string;
  /** @default 1 */
  readonly numPartitions?: number;
  /** @default 1 */
  readonly replicationFactor?: number;
  /** Topic-level configs, e.g. `{ "cleanup.policy": "compact" }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

/** One partition as the broker describes it. */
export interface PartitionMetadata {
  /** The partition number, from 0. */
  readonly partitionId: number;
  /** Node id of the partition leader (`-1` when there is none). */
  readonly leader: number;
  /** Node ids holding a replica. */
  readonly replicas: readonly number[];
  /** Node ids of the in-sync replicas. */
  readonly isr: readonly number[];
}

/** What `admin.getTopicMetadata()` returns per topic. */
export interface TopicMetadata {
  /** The topic name. */
  readonly name: string;
  /** Its partitions, ordered by `partitionId`. */
  readonly partitions: readonly PartitionMetadata[];
}

/**
 * Sends messages. Get it with `client.getProducer()` and `connect()` it first; a call on a
 * producer that is not connected is a `STATE` error.
 */
export interface IStreamingProducer {
  /** Connects; idempotent. */
  connect(): ResultAsync<void, QiError>;
  /**
   * Resolves once the broker acknowledged the write (acks all by default). On a transactional
   * producer it is `STATE` / `NOT_IN_TRANSACTION`: send through `transaction()` instead.
   */
  send(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError>;
  /** One result per message, in input order. */
  sendBatch(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError>;
  /** Resolves once everything sent so far is acknowledged. */
  flush(): ResultAsync<void, QiError>;
  /**
   * Resolves once the producer's buffer (`bufferMemory`) has room and no send waits for it: the
   * `drain` of a loop that does not await its sends (`if (!producer.hasRoom()) await
   * producer.waitForRoom()`). `BUFFER_FULL` after `maxBlockMs` without room.
   */
  waitForRoom(): ResultAsync<void, QiError>;
  /** True when a send now would get buffer room at once (nothing waits, the buffer is not full). */
  hasRoom(): boolean;
  /**
   * Opens a transaction on a producer made with a `transactionalId` (one at a time: another
   * while one is open is `STATE` / `TRANSACTION_IN_PROGRESS`). On a producer without one it is
   * `STATE` / `NOT_TRANSACTIONAL`; on a connector without transactions the producer itself was
   * refused (`UNSUPPORTED`). A fenced producer answers `PRODUCER_FENCED` from then on.
   */
  transaction(): ResultAsync<IStreamingTransaction, QiError>;
  /**
   * Flushes (waits for the sends in flight, up to `closeTimeoutMs`) and closes; idempotent. A
   * send still unanswered then fails with `PRODUCER_CLOSED` and its messages' outcomes.
   */
  disconnect(): ResultAsync<void, QiError>;
  /** True between a successful `connect()` and `disconnect()`. */
  isConnected(): boolean;
  /** The client library's own producer object, for what this API does not cover. It holds the credentials in clear: do not log or print it. */
  getNativeClient(): unknown;
}

/** What `client.health()` reports. */
export interface ClientHealth {
  /** `reachable`, no consumer stopped and none stalled. */
  readonly healthy: boolean;
  /** The backend answered within the connection timeout. */
  readonly reachable: boolean;
  /** Why consumers of this client stopped consuming (the `"stop"` policy's error, a crash), and the stalls in progress (`HANDLER_STALLED`, `FETCH_STALLED`, `MEMBERSHIP_LOST`). */
  readonly problems: readonly QiError[];
}

/**
 * A member of a consumer group: `connect()`, `subscribe()`, then `run()` a handler. Messages are
 * committed only after their handler succeeded (at-least-once).
 */
export interface IStreamingConsumer {
  /** Connects to the brokers; idempotent. `CONNECTION`, `TIMEOUT` or `AUTHENTICATION` on failure. */
  connect(): ResultAsync<void, QiError>;
  /**
   * Sets the topics to consume; call before `run()`. A missing topic is `NOT_FOUND` /
   * `TOPIC_NOT_FOUND` (see `SubscriptionConfig.topics`), and the consumer stays unsubscribed.
   */
  subscribe(config: SubscriptionConfig): ResultAsync<void, QiError>;
  /** Resolves once the consumer has joined its group and owns its assignment. */
  run(config: RunConfig): ResultAsync<void, QiError>;
  /** Commits what was processed (no argument) or the given next-offsets-to-read. */
  commitOffsets(offsets?: readonly TopicPartitionOffset[]): ResultAsync<void, QiError>;
  /** The next message read from the partition is the one at `offset`. */
  seek(topic: string, partition: number, offset: string): ResultAsync<void, QiError>;
  /** Seeks to the partition's first message at or after `timestamp` (ms; its latest offset when none is); returns the offset. A future time is `VALIDATION`. */
  seekToTimestamp(topic: string, partition: number, timestamp: number): ResultAsync<string, QiError>;
  /**
   * Stops delivering the partitions' messages (at a message boundary) until `resume`, or until
   * the partition is revoked (as in Java: handed back later, it is consumed again); `STATE` before `run()`.
   */
  pause(partitions: readonly TopicPartition[]): ResultAsync<void, QiError>;
  /** Delivers paused partitions again, from where they stopped. */
  resume(partitions: readonly TopicPartition[]): ResultAsync<void, QiError>;
  /** The partitions this member owns now. */
  assignment(): readonly TopicPartition[];
  /**
   * Aborts the handlers' `signal`, waits for them up to `closeTimeoutMs` (then abandons them:
   * `HANDLER_ABANDONED` to `onError`, their messages not committed), commits, leaves the group;
   * idempotent. Settles within twice `closeTimeoutMs`, whatever a handler does.
   */
  disconnect(): ResultAsync<void, QiError>;
  /** True between a successful `connect()` and `disconnect()`. */
  isConnected(): boolean;
  /**
   * Listens to a rebalance or lifecycle event (see `ConsumerEventMap` for the payloads and the
   * order); returns the function that removes the listener. Listeners never break
   * consumption: one that throws is logged. A `revoked` listener's promise is awaited.
   */
  on<E extends ConsumerEventName>(event: E, listener: ConsumerEventListener<E>): () => void;
  /** The client library's own consumer object, for what this API does not cover. It holds the credentials in clear: do not log or print it. */
  getNativeClient(): unknown;
}

/** Topic management and group offsets. Get it with `client.getAdmin()` and `connect()` it first. */
export interface IStreamingAdmin {
  /** Connects to the brokers; idempotent. */
  connect(): ResultAsync<void, QiError>;
  /** Creates topics; an existing one is `CONFLICT` / `TOPIC_ALREADY_EXISTS`. Resolves once they can be used. */
  createTopics(topics: readonly TopicConfig[]): ResultAsync<void, QiError>;
  /** Deletes topics; a missing one is `NOT_FOUND` / `TOPIC_NOT_FOUND`. */
  deleteTopics(topics: readonly string[]): ResultAsync<void, QiError>;
  /** Names of the cluster's topics, internal ones (`__consumer_offsets`) excluded. */
  listTopics(): ResultAsync<readonly string[], QiError>;
  /** Partitions, leaders and replicas of the given topics; a missing topic is `NOT_FOUND`. */
  getTopicMetadata(topics: readonly string[]): ResultAsync<readonly TopicMetadata[], QiError>;
  /** The group's committed offsets (next offset to read), for one topic or all. */
  fetchCommittedOffsets(groupId: string, topic?: string): ResultAsync<readonly TopicPartitionOffset[], QiError>;
  /** The groups of the cluster, by id. */
  listGroups(): ResultAsync<readonly GroupListing[], QiError>;
  /** State, assignor and members (client id, host, assignment) of each group, in the order given; an unknown group is `NOT_FOUND` / `GROUP_ID_NOT_FOUND`. */
  describeGroups(groupIds: readonly string[]): ResultAsync<readonly GroupDescription[], QiError>;
  /** Deletes groups (their committed offsets); one with members is `CONFLICT` / `NON_EMPTY_GROUP` and nothing is deleted, an unknown one `NOT_FOUND`. */
  deleteGroups(groupIds: readonly string[]): ResultAsync<void, QiError>;
  /** The earliest and latest offset of each partition of a topic; a missing topic is `NOT_FOUND`. */
  fetchTopicOffsets(topic: string): ResultAsync<readonly PartitionOffsets[], QiError>;
  /** Per partition, the offset of the first message with a timestamp at or after `timestamp` (ms since the epoch), or the latest offset when there is none. */
  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): ResultAsync<readonly PartitionOffset[], QiError>;
  /**
   * Moves a group's committed offsets on one topic, every partition (or the ones given): to the
   * earliest or latest offset, to the first message at or after a timestamp, or to explicit
   * offsets (between earliest and latest). Refused with `CONFLICT` / `NON_EMPTY_GROUP` while
   * the group has members. Returns the offsets committed.
   */
  resetOffsets(groupId: string, topic: string, to: OffsetResetTarget): ResultAsync<readonly TopicPartitionOffset[], QiError>;
  /** Per partition of every topic the group committed on: committed, latest and the lag between them. An unknown group is `NOT_FOUND`. */
  groupLag(groupId: string): ResultAsync<readonly PartitionLag[], QiError>;
  /** Raises a topic's partition count to `count` (a total; Kafka cannot lower it). Resolves once the metadata shows them. */
  createPartitions(topic: string, count: number): ResultAsync<void, QiError>;
  /** Deletes the records before each offset given (`"-1"` for the latest); the partition's earliest offset becomes that offset. */
  deleteRecords(topic: string, before: readonly PartitionOffset[]): ResultAsync<void, QiError>;
  /** A topic's configuration entries, by name. */
  describeConfigs(topic: string): ResultAsync<readonly ConfigEntry[], QiError>;
  /** Sets the given configuration entries of a topic (the others stay as they are). */
  alterConfigs(topic: string, configs: Readonly<Record<string, string>>): ResultAsync<void, QiError>;
  /** The cluster id, the controller and the brokers. */
  describeCluster(): ResultAsync<ClusterDescription, QiError>;
  /** Closes the connection; idempotent. */
  disconnect(): ResultAsync<void, QiError>;
  /** True between a successful `connect()` and `disconnect()`. */
  isConnected(): boolean;
  /** The client library's own admin object, for what this API does not cover. It holds the credentials in clear: do not log or print it. */
  getNativeClient(): unknown;
}
