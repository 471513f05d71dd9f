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
  readonly seek: boolean;
  /** Per-partition pause and resume. */
  readonly pauseResume: boolean;
  readonly eachBatch: boolean;
  /** Codecs the producer can write; any other `compression` is `UNSUPPORTED`. */
  readonly compression: readonly ("gzip" | "snappy" | "lz4" | "zstd")[];
  /** Idempotent produce (`idempotent: true`). */
  readonly idempotentProducer: boolean;
}

/** What every driver factory receives. */
export interface ConnectorContext {
  readonly config: ResolvedConfig;
  /** Already scrubbed of secrets and safe to call. */
  readonly logger: Logger;
}

export interface ProducerDriver {
  connect(): Promise<void>;
  /**
   * Writes records (possibly for several topics) and resolves with one result per record, in
   * input order, once the broker acknowledged them. A record's explicit partition must be
   * checked against the topic's partition count (see `partitionNotFound`).
   */
  send(records: readonly OutgoingRecord[]): Promise<readonly ProduceResult[]>;
  flush(): Promise<void>;
  disconnect(): Promise<void>;
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

export interface ConsumerDriver {
  connect(): Promise<void>;
  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void>;
  /** Starts fetching; resolves once the group is joined and the assignment is owned. */
  start(sink: BatchSink): Promise<void>;
  /** Stops fetching without leaving the group (after a `stop` failure policy). */
  stop(): Promise<void>;
  /** Commits next-offsets-to-read. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  seek(partition: TopicPartition, offset: string): Promise<void>;
  pause(partitions: readonly TopicPartition[]): Promise<void>;
  resume(partitions: readonly TopicPartition[]): Promise<void>;
  assignment(): readonly TopicPartition[];
  /** Stops fetching, waits for in-flight deliveries, leaves the group, closes. */
  disconnect(): Promise<void>;
  native(): unknown;
}

/** A topic to create, with defaults filled in. */
export interface ResolvedTopicConfig {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface AdminDriver {
  connect(): Promise<void>;
  createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  listTopics(): Promise<readonly string[]>;
  getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]>;
  fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]>;
  disconnect(): Promise<void>;
  native(): unknown;
}

/** A backend. Built-ins are found by name; third parties use `registerConnector` or pass one in the config. */
export interface IStreamingConnector {
  /** Unique, lower case: `memory`, `kafkajs`, ... */
  readonly name: string;
  readonly capabilities: ConnectorCapabilities;
  /** Option keys this connector accepts in `config.options`; others are a `VALIDATION` error. */
  readonly optionKeys?: readonly string[];
  createProducer(context: ConnectorContext, config: ProducerConfig): ProducerDriver;
  createConsumer(context: ConnectorContext, config: ConsumerConfig): ConsumerDriver;
  createAdmin(context: ConnectorContext): AdminDriver;
  /** True when a broker answers within the connection timeout. */
  healthCheck(context: ConnectorContext): Promise<boolean>;
  /** Classifies the client's own error classes that carry no Kafka protocol code. */
  readonly classifyError?: ErrorHinter;
}
