/**
 * The plug-in interface. A connector maps one client library onto a few primitives (the
 * drivers below); core wraps them once with validation, lifecycle rules, Results, error
 * classification, handler retries and commits, so every connector behaves the same.
 *
 * Driver methods may throw or reject: core catches everything and classifies it. They receive
 * validated, normalised input only.
 */
import type { ConsumerConfig, ProducerConfig, ResolvedConfig } from "./config/types.js";
import type { ErrorHinter } from "./errors/classify.js";
import type { TopicMetadata } from "./interfaces.js";
import type { Logger } from "./logger.js";
import type {
  ConsumedBatch,
  OutgoingRecord,
  ProduceResult,
  TopicPartition,
  TopicPartitionOffset,
} from "./messages/types.js";

/** What a connector can honestly do; the testkit skips by these flags, never by test name. */
export interface ConnectorCapabilities {
  /** Talks to a real broker over the network (unreachable-broker and health tests apply). */
  readonly network: boolean;
  /** SASL authentication (PLAIN, SCRAM). */
  readonly sasl: boolean;
  /** `consumer.seek()` works. */
  readonly seek: boolean;
  /** Per-partition pause and resume. */
  readonly pauseResume: boolean;
  /** `run({ eachBatch })` works. */
  readonly eachBatch: boolean;
  /** Codecs the producer can write; any other `compression` is `UNSUPPORTED`. */
  readonly compression: readonly ("gzip" | "snappy" | "lz4" | "zstd")[];
  /** Idempotent produce (`idempotent: true`). */
  readonly idempotentProducer: boolean;
}

/** What every driver factory receives. */
export interface ConnectorContext {
  /** The client's validated config, defaults filled in. */
  readonly config: ResolvedConfig;
  /** Already scrubbed of secrets and safe to call. */
  readonly logger: Logger;
}

/** A connector's producer primitives; core's guarded producer calls them. Methods may throw. */
export interface ProducerDriver {
  /** Connects the client; core calls it once per `connect()` and never concurrently. */
  connect(): Promise<void>;
  /**
   * Writes records (possibly for several topics) and resolves with one result per record, in
   * input order, once the broker acknowledged them. A record's explicit partition must be
   * checked against the topic's partition count (see `partitionNotFound`).
   */
  send(records: readonly OutgoingRecord[]): Promise<readonly ProduceResult[]>;
  /** Resolves once every record given to `send` so far is acknowledged. */
  flush(): Promise<void>;
  /** Flushes and closes the client. */
  disconnect(): Promise<void>;
  /** The client's own producer object (`getNativeClient()`). */
  native(): unknown;
}

/** Where the consumer driver hands fetched messages to core. */
export interface BatchSink {
  /**
   * Runs the user's handler over a batch of one partition (retries, policy, commit). Resolves
   * when done; if it stopped early (pause, seek, stop) it has already repositioned the driver.
   */
  deliver(batch: ConsumedBatch): Promise<void>;
  /** Call before giving partitions away in a rebalance, after in-flight deliveries ended. */
  revoked(partitions: readonly TopicPartition[]): Promise<void>;
  /** Report an error that no call can return (a failed fetch, a lost connection). */
  error(error: unknown): void;
}

/** A connector's consumer primitives; core runs the handler, retries, policies and commits. Methods may throw. */
export interface ConsumerDriver {
  /** Connects the client (and checks the broker is reachable within the connection timeout). */
  connect(): Promise<void>;
  /** Subscribes; `fromBeginning` applies only when the group has no committed offset. */
  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void>;
  /** Starts fetching; resolves once the group is joined and the assignment is owned. */
  start(sink: BatchSink): Promise<void>;
  /** Stops fetching without leaving the group (after a `stop` failure policy). */
  stop(): Promise<void>;
  /** Commits next-offsets-to-read. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** The next fetch of the partition starts at `offset` (a decimal string). */
  seek(partition: TopicPartition, offset: string): Promise<void>;
  /** Stops fetching the partitions. */
  pause(partitions: readonly TopicPartition[]): Promise<void>;
  /** Fetches the partitions again. */
  resume(partitions: readonly TopicPartition[]): Promise<void>;
  /** The partitions the member owns now. */
  assignment(): readonly TopicPartition[];
  /** Stops fetching, waits for in-flight deliveries, leaves the group, closes. */
  disconnect(): Promise<void>;
  /** The client's own consumer object (`getNativeClient()`). */
  native(): unknown;
}

/** A topic to create, with defaults filled in. */
export interface ResolvedTopicConfig {
  /** The topic name, checked. */
  readonly topic: string;
  /** Partition count (default 1). */
  readonly numPartitions: number;
  /** Replication factor (default 1). */
  readonly replicationFactor: number;
  /** Topic-level configs; `{}` when none. */
  readonly configs: Readonly<Record<string, string>>;
}

/** A connector's admin primitives. Methods may throw; core classifies what they throw. */
export interface AdminDriver {
  /** Connects the client. */
  connect(): Promise<void>;
  /** Creates the topics and resolves once they are usable; an existing topic must fail (`topicAlreadyExists`). */
  createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void>;
  /** Deletes the topics; a missing one must fail (`topicNotFound` or the broker's error). */
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Topic names, internal topics excluded. */
  listTopics(): Promise<readonly string[]>;
  /** Metadata of the given topics, in the order given. */
  getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]>;
  /** The group's committed offsets (next to read), for one topic or every topic it committed. */
  fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]>;
  /** Closes the client. */
  disconnect(): Promise<void>;
  /** The client's own admin object (`getNativeClient()`). */
  native(): unknown;
}

/** A backend. Built-ins are found by name; third parties use `registerConnector` or pass one in the config. */
export interface IStreamingConnector {
  /** Unique, lower case: `memory`, `kafkajs`, ... */
  readonly name: string;
  /** What it can do; the testkit and core's `UNSUPPORTED` checks read these flags. */
  readonly capabilities: ConnectorCapabilities;
  /** Option keys this connector accepts in `config.options`; others are a `VALIDATION` error. */
  readonly optionKeys?: readonly string[];
  /**
   * Accepts a key outside `optionKeys` (a connector that passes a client's own property names
   * through, like librdkafka's dotted ones). Still, what it does not accept is a `VALIDATION` error.
   */
  acceptsOption?(key: string): boolean;
  /** Makes the producer driver (no I/O: core calls `connect` later). */
  createProducer(context: ConnectorContext, config: ProducerConfig): ProducerDriver;
  /** Makes a consumer driver for one group member (no I/O). */
  createConsumer(context: ConnectorContext, config: ConsumerConfig): ConsumerDriver;
  /** Makes the admin driver (no I/O). */
  createAdmin(context: ConnectorContext): AdminDriver;
  /** True when a broker answers within the connection timeout. */
  healthCheck(context: ConnectorContext): Promise<boolean>;
  /** Classifies the client's own error classes that carry no Kafka protocol code. */
  readonly classifyError?: ErrorHinter;
}
