/**
 * The plug-in contract. A connector maps one client library onto a few primitives (the drivers
 * below); core does everything else once, for every connector: validation, lifecycle rules,
 * Results, error classification, partitioning, handler retries, slicing, commits, draining
 * before a revocation, the group-join timeout and the admin results' shape.
 *
 * Driver methods may throw or reject: core catches everything and classifies it. They receive
 * validated, normalised input only, with every default filled in.
 */
import type { ClusterDescription, ConfigEntry, GroupDescription, GroupListing, PartitionOffset, PartitionOffsets } from "./admin-types.js";
import type { ResolvedConsumerConfig, ResolvedProducerConfig } from "./config/roles.js";
import type { ResolvedConfig } from "./config/types.js";
import type { ErrorHinter } from "./errors/classify.js";
import type { TopicMetadata } from "./interfaces.js";
import type { Logger } from "./logger.js";
import type { ConsumedBatch, ProduceResult, RoutedRecord, TopicPartition, TopicPartitionOffset } from "./messages/types.js";

/** What a connector can honestly do; the testkit skips by these flags, never by test name. */
export interface ConnectorCapabilities {
  /** Talks to a real broker over the network (unreachable-broker and health tests apply). @default true */
  readonly network: boolean;
  /** SASL authentication (PLAIN, SCRAM). @default false */
  readonly sasl: boolean;
  /** `consumer.seek()` works. @default false */
  readonly seek: boolean;
  /** Per-partition pause and resume. @default false */
  readonly pauseResume: boolean;
  /** `run({ eachBatch })` works. @default false */
  readonly eachBatch: boolean;
  /** Codecs the producer can write; any other `compression` is `UNSUPPORTED`. @default [] */
  readonly compression: readonly ("gzip" | "snappy" | "lz4" | "zstd")[];
  /** Idempotent produce (`idempotent: true`). @default false */
  readonly idempotentProducer: boolean;
  /** `admin.describeConfigs` and `admin.alterConfigs` work (the client binds Kafka's DescribeConfigs and AlterConfigs). @default false */
  readonly topicConfigs: boolean;
  /** Transactions: `transactionalId` producers, `sendOffsets`, `isolationLevel`, exactly-once `run()`. @default false */
  readonly transactions: boolean;
  /** Consumer group protocols the client speaks (`groupProtocol`); any other is `UNSUPPORTED`. @default ["classic"] */
  readonly groupProtocols: readonly ("classic" | "consumer")[];
}

/** A connector declares only the flags that differ from these. */
export const DEFAULT_CAPABILITIES: ConnectorCapabilities = Object.freeze({
  network: true,
  sasl: false,
  seek: false,
  pauseResume: false,
  eachBatch: false,
  compression: Object.freeze([]) as readonly never[],
  idempotentProducer: false,
  topicConfigs: false,
  transactions: false,
  groupProtocols: Object.freeze(["classic"]) as readonly ("classic" | "consumer")[],
});

/** The connector's flags with the defaults filled in. */
export function capabilitiesOf(connector: Pick<IStreamingConnector, "capabilities">): ConnectorCapabilities {
  return { ...DEFAULT_CAPABILITIES, ...connector.capabilities };
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
  /**
   * True when the client gathers concurrent sends into batches itself (librdkafka, an
   * in-process store). Otherwise core's accumulator does: one request per partition in flight,
   * what arrives meanwhile goes in the next one. @default false
   */
  readonly batchesAcrossCalls?: boolean;
  /** Connects the client; core calls it once per `connect()` and never concurrently. */
  connect(): Promise<void>;
  /**
   * The topic's partition count, or undefined when the topic does not exist. Core caches it
   * and routes every record with it (Java murmur2 for keys, explicit partitions checked).
   */
  partitionCount(topic: string): Promise<number | undefined>;
  /**
   * Writes records of one partition, which core has chosen, as one request, and resolves with
   * one result per record, in input order, once the broker acknowledged them (`offsetsFromBase`
   * builds them from the client's base offset). Core never mixes partitions in one call: the
   * outcome of a call is then a fact about its own records, and a client that resends a whole
   * request after a failure repeats only what failed. Reject with the client's error as it is:
   * core classifies it and tells "not written" from "unknown".
   */
  send(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]>;
  /** Resolves once everything the client buffers is acknowledged (core waits for its own sends in flight). */
  flush(): Promise<void>;
  /**
   * Present when the producer was made with a `transactionalId` (and the connector declares
   * `transactions`): `connect` then also registers the id with the broker (InitProducerId),
   * which fences an older producer of the same id.
   */
  readonly transactions?: TransactionDriver;
  /** Closes the client (core has flushed first). */
  disconnect(): Promise<void>;
  /** The client's own producer object (`getNativeClient()`). */
  native(): unknown;
}

/**
 * A transactional producer's primitives. Core calls them one transaction at a time, in order:
 * `begin`, then `send`s (through `ProducerDriver.send`, all settled before the end) and
 * `sendOffsets`, then `commit` or `abort`. Reject with the client's error as it is; a fenced
 * producer's error must carry Kafka's code (90 PRODUCER_FENCED, 47 INVALID_PRODUCER_EPOCH) or
 * be hinted `PRODUCER_FENCED` by the connector's `classifyError`.
 */
export interface TransactionDriver {
  /** Opens a transaction (most clients do it locally; the broker learns of it with the first write). */
  begin(): Promise<void>;
  /**
   * Adds the group's offsets (next to read) to the open transaction: the broker commits them
   * only if the transaction commits. `consumer` is the driver of the group's member in this
   * process, when the caller named one (a client that needs the member's metadata uses it).
   */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], consumer: ConsumerDriver | undefined): Promise<void>;
  /** Commits the open transaction: its records and offsets become visible at once. */
  commit(): Promise<void>;
  /** Aborts the open transaction: its records are never visible to `read_committed`, its offsets never committed. */
  abort(): Promise<void>;
}

/** Where the consumer driver hands fetched messages to core. */
export interface BatchSink {
  /**
   * Runs the user's handler over a fetched batch of one partition (core slices it by
   * `maxBatchSize`, retries, applies the policy, commits). Resolves when done; if it stopped
   * early (pause, seek, stop) it has already repositioned the driver. Never rejects.
   */
  deliver(batch: ConsumedBatch): Promise<void>;
  /**
   * Call before giving partitions away in a rebalance: resolves once core's deliveries of them
   * ended and their offsets are committed. Never rejects. What core had been handed and not yet
   * started is dropped: a partition assigned again later, even to this member, starts at its
   * committed offset.
   */
  revoked(partitions: readonly TopicPartition[]): Promise<void>;
  /** Report an error that no call can return (a failed fetch, a lost connection). */
  error(error: unknown): void;
  /**
   * Call when the member takes partitions (its whole new assignment after a rebalance), before
   * delivering any of their messages. Core emits `joined` (first time after `start`) and
   * `assigned`. A driver that never calls it gets `joined` from `assignment()` once `start`
   * resolved, and no later `assigned`.
   */
  assigned(partitions: readonly TopicPartition[]): void;
  /** Call when the client stopped consuming for good (it will not recover by itself): core reports it and emits `crashed`. */
  crashed(error: unknown): void;
}

/** A connector's consumer primitives; core runs the handler, retries, policies and commits. Methods may throw. */
export interface ConsumerDriver {
  /** Connects the client (and checks the broker is reachable within the connection timeout). */
  connect(): Promise<void>;
  /** Subscribes; `fromBeginning` applies only when the group has no committed offset. */
  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void>;
  /**
   * Starts fetching; resolves once the group is joined and the assignment is owned. Core bounds
   * it with the group-join timeout (session timeout plus request timeout).
   */
  start(sink: BatchSink): Promise<void>;
  /** Stops fetching without leaving the group (core waits for its deliveries afterwards). */
  stop(): Promise<void>;
  /** Commits next-offsets-to-read; core calls it only between `start` and `stop`. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** The next fetch of the partition starts at `offset` (a decimal string). */
  seek(partition: TopicPartition, offset: string): Promise<void>;
  /** Stops fetching the partitions. */
  pause(partitions: readonly TopicPartition[]): Promise<void>;
  /** Fetches the partitions again. */
  resume(partitions: readonly TopicPartition[]): Promise<void>;
  /** The partitions the member owns now. */
  assignment(): readonly TopicPartition[];
  /** Leaves the group and closes (core has stopped it and ended its deliveries first). */
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
  /** Creates the topics; an existing topic must fail (`topicAlreadyExists`). Core waits until they are listed. */
  createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void>;
  /** Deletes the topics; a missing one must fail (`topicNotFound` or the broker's error). Core waits until they are gone. */
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Topic names as the client lists them (core drops internal ones and sorts). */
  listTopics(): Promise<readonly string[]>;
  /** Metadata of the given topics, in the order given (core sorts the partitions). */
  getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]>;
  /** The group's committed offsets (next to read), for one topic or every topic it committed (core sorts). */
  fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]>;
  /**
   * Sets a group's committed offsets without joining it (core uses it for a consumer's
   * `commitOffsets` before `run()`). Without it, core calls the consumer driver's `commit`.
   */
  setCommittedOffsets?(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  // The group, offset, topic and cluster operations. Core validates the input, checks what it
  // can first (a group's members before a delete, a topic's existence) and composes
  // `resetOffsets` and `groupLag` from these; a driver maps its client. One a driver lacks is
  // `UNSUPPORTED` in the public API.
  /** Every group the cluster lists (any protocol type). */
  listGroups?(): Promise<readonly GroupListing[]>;
  /** The groups, in the order given; an unknown group comes back with state `Dead` (as Kafka answers) and no members. */
  describeGroups?(groupIds: readonly string[]): Promise<readonly GroupDescription[]>;
  /** Deletes the groups (core has checked they exist and have no members). */
  deleteGroups?(groupIds: readonly string[]): Promise<void>;
  /** Earliest and latest offset of every partition of an existing topic. */
  fetchTopicOffsets?(topic: string): Promise<readonly PartitionOffsets[]>;
  /** Per partition, the first offset at or after `timestamp`; `"-1"` (or the latest) where none is. */
  fetchTopicOffsetsByTimestamp?(topic: string, timestamp: number): Promise<readonly PartitionOffset[]>;
  /** Raises an existing topic's partition count to `count`. */
  createPartitions?(topic: string, count: number): Promise<void>;
  /** Deletes the records before each offset (core has resolved `"-1"` to the latest). */
  deleteRecords?(topic: string, before: readonly PartitionOffset[]): Promise<void>;
  /** An existing topic's configuration entries. */
  describeConfigs?(topic: string): Promise<readonly ConfigEntry[]>;
  /** Sets the given entries of an existing topic and leaves the others as they are. */
  alterConfigs?(topic: string, configs: Readonly<Record<string, string>>): Promise<void>;
  /** The cluster id, controller and brokers. */
  describeCluster?(): Promise<ClusterDescription>;
  /** Closes the client. */
  disconnect(): Promise<void>;
  /** The client's own admin object (`getNativeClient()`). */
  native(): unknown;
}

/** The part of the Standard Schema interface (v1) core uses to validate `config.options`. */
export interface OptionsSchema {
  /** The Standard Schema v1 properties. */
  readonly "~standard": StandardSchemaProps;
}

/** An issue of a Standard Schema validation: a message, and the path of the value it is about. */
export interface OptionsSchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where: keys from the options object down (a key, or `{ key }`). */
  readonly path?: ReadonlyArray<PropertyKey | OptionsSchemaPathSegment> | undefined;
}

/** One segment of an issue's path, as an object. */
export interface OptionsSchemaPathSegment {
  /** The key. */
  readonly key: PropertyKey;
}

/** What a Standard Schema's validation answers: the value, or its issues (core refuses a promise). */
export type OptionsSchemaResult = OptionsSchemaSuccess | OptionsSchemaFailure;

/** A valid value. */
export interface OptionsSchemaSuccess {
  /** The validated value. */
  readonly value: unknown;
  /** None when valid. */
  readonly issues?: undefined;
}

/** A refused value. */
export interface OptionsSchemaFailure {
  /** Why the value is refused. */
  readonly issues: ReadonlyArray<OptionsSchemaIssue>;
}

/** The `~standard` properties of a Standard Schema (v1). */
export interface StandardSchemaProps {
  /** The Standard Schema version: 1. */
  readonly version: 1;
  /** The schema library (`zod`, `valibot`, ...). */
  readonly vendor: string;
  /** Validates a value; core calls it synchronously and treats a promise as a mistake. */
  readonly validate: (value: unknown) => OptionsSchemaResult | Promise<unknown>;
}

/** A backend. Built-ins are found by name; third parties use `registerConnector` or pass one in the config. */
export interface IStreamingConnector {
  /** Unique, lower case: `memory`, `kafkajs`, ... */
  readonly name: string;
  /** What it can do, where it differs from `DEFAULT_CAPABILITIES`. */
  readonly capabilities: Partial<ConnectorCapabilities>;
  /** Option keys this connector accepts in `config.options`; others are a `VALIDATION` error. */
  readonly optionKeys?: readonly string[];
  /**
   * Accepts a key outside `optionKeys` (a connector that passes a client's own property names
   * through, like librdkafka's dotted ones). Still, what it does not accept is a `VALIDATION` error.
   */
  acceptsOption?(key: string): boolean;
  /**
   * The types of `config.options` values, as a Standard Schema (zod 4, valibot, ArkType ...;
   * https://standardschema.dev), validated synchronously: an issue is a `VALIDATION` error
   * naming `options.<path>`. The keys are still checked by `optionKeys` / `acceptsOption`.
   */
  readonly optionsSchema?: OptionsSchema;
  /** Makes the producer driver (no I/O: core calls `connect` later). */
  createProducer(context: ConnectorContext, config: ResolvedProducerConfig): ProducerDriver;
  /** Makes a consumer driver for one group member (no I/O). */
  createConsumer(context: ConnectorContext, config: ResolvedConsumerConfig): ConsumerDriver;
  /** Makes the admin driver (no I/O). */
  createAdmin(context: ConnectorContext): AdminDriver;
  /** True when a broker answers within the connection timeout. */
  healthCheck(context: ConnectorContext): Promise<boolean>;
  /** Classifies the client's own error classes that carry no Kafka protocol code. */
  readonly classifyError?: ErrorHinter;
}
