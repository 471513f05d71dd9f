/**
 * The in-process "broker" of the memory connector: topics with partitions and offsets,
 * consumer groups, and a change signal for waiting consumers. Clients that name the same
 * cluster (`options.cluster`, default "default") share it, as clients of one Kafka cluster do.
 */
import { createHash } from "node:crypto";
import { partitionNotFound, qiError, topicAlreadyExists, topicNotFound, type QiError } from "../errors/qi-error.js";
import type { ConsumerDriver, ResolvedTopicConfig } from "../connector.js";
import type { TopicMetadata } from "../interfaces.js";
import type { ProduceResult, RoutedRecord, TopicPartitionOffset } from "../messages/types.js";
import { MemoryGroup } from "./group.js";
import { PartitionLog, type LogRead, type TransactionState } from "./partition-log.js";
import type { IsolationLevel } from "../config/types.js";
import { Signal } from "./signal.js";
import { checkTopicConfigs, topicConfig } from "./topic-configs.js";
import { processWide } from "../process-wide.js";

interface MemoryTopic {
  readonly name: string;
  readonly partitions: PartitionLog[];
  /** The topic's own configs (Kafka's defaults apply to the others). */
  configs: Readonly<Record<string, string>>;
}

/** A record's size in a batch of its own, about as Kafka counts it (61 bytes of batch header, the record's own framing). */
function batchBytes(r: RoutedRecord): number {
  let n = 61 + 21 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const k in r.headers) {
    const v = r.headers[k]!;
    for (const b of Array.isArray(v) ? v : [v]) n += 2 + Buffer.byteLength(k) + b.length;
  }
  return n;
}

/**
 * An in-process Kafka cluster of the memory connector: topics, partitions, consumer groups.
 * Clients whose `options.cluster` names the same cluster share it (see `memoryCluster`).
 */
export class MemoryCluster {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  /** Consumers' wake-up signals, notified on every produce call and topic change. */
  private readonly watchers = new Set<Signal>();
  /** Members that joined a group of this cluster so far (a consumer's member id is unique in its cluster). */
  private members = 0;
  /** Per transactional id: the epoch of its newest producer and its open transaction (the transaction coordinator). */
  private readonly transactionalIds = new Map<string, { epoch: number; open: MemoryTransaction | undefined }>();

  /**
   * The cluster id, in Kafka's form (22 characters of URL-safe base64) and fixed by the name:
   * the same for every client of the cluster, and again after `resetMemoryCluster`.
   */
  readonly clusterId: string;

  /** @internal Use `memoryCluster(name)`. */
  constructor(
    /** The cluster's name, as given in `options.cluster`. */
    readonly name: string,
  ) {
    this.clusterId = createHash("sha256").update(`qi-streaming memory cluster ${name}`).digest().subarray(0, 16).toString("base64url");
  }

  /** @internal */
  createTopic(config: ResolvedTopicConfig): void {
    if (this.topics.has(config.topic)) throw topicAlreadyExists(config.topic);
    checkTopicConfigs(config.topic, config.configs);
    const partitions = Array.from({ length: config.numPartitions }, () => new PartitionLog());
    this.topics.set(config.topic, { name: config.topic, partitions, configs: { ...config.configs } });
    this.topicsChanged(config.topic);
  }

  /** Adds empty partitions up to `count` in all (core has checked it is above the current count); groups rebalance. @internal */
  addPartitions(topic: string, count: number): void {
    const t = this.existing(topic);
    while (t.partitions.length < count) t.partitions.push(new PartitionLog());
    this.topicsChanged(topic);
  }

  /**
   * Raises the log start offset of each partition to its offset (core has checked the range):
   * the records before it can no longer be read. Refused, as by Kafka, on a topic whose
   * `cleanup.policy` lacks `delete`. @internal
   */
  deleteRecords(topic: string, before: readonly { readonly partition: number; readonly offset: string }[]): void {
    const t = this.existing(topic);
    if (!topicConfig(t.configs, "cleanup.policy").split(",").some((p) => p.trim() === "delete")) {
      throw qiError("VALIDATION", "POLICY_VIOLATION", `Records of topic "${topic}" can not be deleted due to the configured policy (cleanup.policy=${topicConfig(t.configs, "cleanup.policy")})`, {
        context: { topic, kafkaCode: "POLICY_VIOLATION", kafkaErrorCode: 44 },
      });
    }
    for (const b of before) {
      const log = t.partitions[b.partition];
      if (!log) throw partitionNotFound(topic, b.partition, t.partitions.length);
      log.deleteBefore(Number(b.offset));
    }
    // Consumers positioned before the new log start move (see the consumer's out-of-range reset).
    this.appended();
  }

  /** The topic's own configs. @internal */
  topicConfigs(topic: string): Readonly<Record<string, string>> {
    return this.existing(topic).configs;
  }

  /** Sets the given configs of a topic (checked as a broker checks them) and keeps the others. @internal */
  alterTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): void {
    const t = this.existing(topic);
    checkTopicConfigs(topic, configs);
    t.configs = { ...t.configs, ...configs };
  }

  private existing(topic: string): MemoryTopic {
    const t = this.topics.get(topic);
    if (!t) throw topicNotFound(topic);
    return t;
  }

  /** @internal */
  deleteTopic(topic: string): void {
    if (!this.topics.delete(topic)) throw topicNotFound(topic);
    for (const g of this.groups.values()) g.forgetTopic(topic);
    this.topicsChanged(topic);
  }

  /** @internal */
  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** @internal */
  listTopics(): string[] {
    return [...this.topics.keys()].sort();
  }

  /** @internal */
  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.partitions.length;
  }

  /** @internal */
  metadata(topic: string): TopicMetadata {
    const t = this.topics.get(topic);
    if (!t) throw topicNotFound(topic);
    return { name: topic, partitions: t.partitions.map((_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0] })) };
  }

  /** Throws what a write of the record would fail with (topic gone, partition past the count). @internal */
  check(record: RoutedRecord): void {
    const topic = this.topics.get(record.topic);
    if (!topic) throw topicNotFound(record.topic);
    const count = topic.partitions.length;
    if (record.partition >= count) throw partitionNotFound(record.topic, record.partition, count);
    const max = Number(topicConfig(topic.configs, "max.message.bytes"));
    const size = batchBytes(record);
    if (size > max) {
      throw qiError("VALIDATION", "MESSAGE_TOO_LARGE", `the message is ${size} bytes in a record batch, more than the topic's max.message.bytes (${max})`, {
        context: { topic: record.topic, partition: record.partition, kafkaCode: "MESSAGE_TOO_LARGE", kafkaErrorCode: 10 },
      });
    }
  }

  /** Appends one record to the partition core chose (`check` it first), in the transaction if one is given. @internal */
  append(record: RoutedRecord, transaction?: MemoryTransaction): ProduceResult {
    const log = this.topics.get(record.topic)!.partitions[record.partition]!;
    const offset = log.append({
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: new Date(record.timestamp ?? Date.now()),
      ...(transaction ? { transaction: transaction.state } : {}),
    });
    transaction?.logs.add(log);
    return { topic: record.topic, partition: record.partition, offset: String(offset) };
  }

  /**
   * Registers a producer of the transactional id (Kafka's InitProducerId): it gets a new epoch,
   * which fences every older producer of the id, and the id's open transaction is aborted. @internal
   */
  initTransactional(transactionalId: string): number {
    const entry = this.transactionalIds.get(transactionalId) ?? { epoch: -1, open: undefined };
    entry.epoch++;
    if (entry.open) this.endTransaction(entry.open, false);
    this.transactionalIds.set(transactionalId, entry);
    return entry.epoch;
  }

  /** Opens a transaction of the id's producer of that epoch. @internal */
  beginTransaction(transactionalId: string, epoch: number, timeoutMs: number): MemoryTransaction {
    const entry = this.current(transactionalId, epoch);
    if (entry.open) throw stateErrorOf("CONCURRENT_TRANSACTIONS", 51, `transactionalId "${transactionalId}" has a transaction open`);
    const transaction = new MemoryTransaction(transactionalId, epoch);
    entry.open = transaction;
    // The coordinator aborts a transaction open longer than its timeout, as Kafka's does.
    transaction.timer = setTimeout(() => this.endTransaction(transaction, false), timeoutMs);
    transaction.timer.unref?.();
    return transaction;
  }

  /** Throws what the coordinator answers a fenced producer, or a transaction no longer open. @internal */
  checkTransaction(transaction: MemoryTransaction): void {
    this.current(transaction.transactionalId, transaction.epoch);
    if (transaction.state.state !== "open") throw stateErrorOf("INVALID_TXN_STATE", 48, `the transaction of "${transaction.transactionalId}" is ${transaction.state.state === "aborted" ? "aborted (it timed out, or a newer producer took over)" : "committed"}`);
  }

  /** Adds a group's offsets to the open transaction: committed with it. @internal */
  addOffsets(transaction: MemoryTransaction, groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    this.checkTransaction(transaction);
    transaction.offsets.push({ groupId, offsets: offsets.map((o) => ({ ...o })) });
  }

  /** Commits or aborts the transaction (the producer's EndTxn). @internal */
  finishTransaction(transaction: MemoryTransaction, commit: boolean): void {
    this.checkTransaction(transaction);
    this.endTransaction(transaction, commit);
  }

  private endTransaction(transaction: MemoryTransaction, commit: boolean): void {
    if (transaction.state.state !== "open") return;
    clearTimeout(transaction.timer);
    transaction.state.state = commit ? "committed" : "aborted";
    for (const log of transaction.logs) log.endTransaction(transaction.state);
    if (commit) for (const o of transaction.offsets) this.group(o.groupId).commit(o.offsets);
    const entry = this.transactionalIds.get(transaction.transactionalId);
    if (entry?.open === transaction) entry.open = undefined;
    this.appended();
  }

  private current(transactionalId: string, epoch: number): { epoch: number; open: MemoryTransaction | undefined } {
    const entry = this.transactionalIds.get(transactionalId);
    if (!entry || entry.epoch !== epoch) throw stateErrorOf("PRODUCER_FENCED", 90, `a newer producer with transactionalId "${transactionalId}" has been registered: this one is fenced`);
    return entry;
  }

  /** Signals waiting consumers once per produce call, not per record. @internal */
  appended(): void {
    for (const w of this.watchers) w.notify();
  }

  /** Registers a consumer's signal; returns the function that unregisters it. @internal */
  watch(signal: Signal): () => void {
    this.watchers.add(signal);
    return () => this.watchers.delete(signal);
  }

  /** The offset the next appended record will get (the high watermark). @internal */
  endOffset(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.end ?? 0;
  }

  /** The first offset still held (the log start offset, which `deleteRecords` raises). @internal */
  startOffset(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.start ?? 0;
  }

  /** Per partition, the first offset whose timestamp is at or after `timestamp`; -1 where none is (Kafka's answer). @internal */
  offsetsForTime(topic: string, timestamp: number): { partition: number; offset: string }[] {
    return this.existing(topic).partitions.map((log, partition) => ({ partition, offset: String(log.offsetForTime(timestamp) ?? -1) }));
  }

  /** At most `max` records from `from` (none before the log start) that the isolation level reads. @internal */
  read(topic: string, partition: number, from: number, max: number, isolation: IsolationLevel): LogRead {
    return this.topics.get(topic)?.partitions[partition]?.read(topic, partition, from, max, isolation) ?? { messages: [], next: from };
  }

  /** Where a consumer of that isolation level may read up to: the last stable offset for read_committed, else the high watermark. @internal */
  readableEnd(topic: string, partition: number, isolation: IsolationLevel): number {
    return this.topics.get(topic)?.partitions[partition]?.readableEnd(isolation) ?? 0;
  }

  /** The number of the next group member, unique in this cluster whichever copy of the package asks. @internal */
  nextMemberNumber(): number {
    return ++this.members;
  }

  /** @internal */
  group(groupId: string): MemoryGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new MemoryGroup(groupId, (t) => this.partitionCount(t));
      this.groups.set(groupId, g);
    }
    return g;
  }

  /** The group, if it exists as Kafka counts it (members, committed offsets, or members once). @internal */
  findGroup(groupId: string): MemoryGroup | undefined {
    const g = this.groups.get(groupId);
    return g?.exists ? g : undefined;
  }

  /** The groups that exist, as Kafka lists them. @internal */
  listGroups(): MemoryGroup[] {
    return [...this.groups.values()].filter((g) => g.exists);
  }

  /**
   * Deletes a group (core has checked it exists and has no members): its committed offsets
   * go, and it is unknown (`Dead`) until a member joins or an offset is committed again. The
   * object is kept and emptied, not dropped, since consumers made for the group hold it. @internal
   */
  deleteGroup(groupId: string): void {
    this.groups.get(groupId)?.clear();
  }

  /**
   * FOR TESTS ONLY, not a feature: kills one of this cluster's consumers as SIGKILL kills a
   * client process (see `MemoryConsumerDriver.crashForTesting`), for a crash test that runs in
   * one process. `driver` is the consumer driver the memory connector made (a test wraps
   * `createConsumer` to get it). False, and nothing done, for any other driver.
   */
  crashConsumerForTesting(driver: ConsumerDriver): boolean {
    // Duck-typed, not instanceof: the ESM and CJS copies of this package share clusters.
    const crash = (driver as { crashForTesting?: unknown }).crashForTesting;
    if (typeof crash !== "function" || driver.native() !== this) return false;
    (crash as () => void).call(driver);
    return true;
  }

  private topicsChanged(topic: string): void {
    for (const g of this.groups.values()) if (g.subscribes(topic)) void g.rebalance();
    this.appended();
  }
}

/** One transaction of a transactional id: its records' shared state, the logs it wrote to, the offsets it carries. @internal */
export class MemoryTransaction {
  readonly state: TransactionState = { state: "open" };
  readonly logs = new Set<PartitionLog>();
  readonly offsets: { groupId: string; offsets: TopicPartitionOffset[] }[] = [];
  timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    readonly transactionalId: string,
    readonly epoch: number,
  ) {}
}

/** A coordinator's answer, as Kafka's protocol error (core classifies it by the code). */
function stateErrorOf(kafkaCode: string, kafkaErrorCode: number, message: string): QiError {
  return qiError("STATE", kafkaCode, message, { context: { kafkaCode, kafkaErrorCode } });
}

/**
 * The layout of what the process-wide cluster map holds: `MemoryCluster` objects and the
 * `MemoryGroup` and `Signal` objects in them, called by whichever copy of this package (ESM or
 * CJS build) reads the map. Bump it whenever those classes change in a way an older copy
 * could not use: copies of different layouts then keep separate maps instead of misusing each
 * other's objects.
 */
const CLUSTERS_LAYOUT = 3;

/** Clusters by name: one map per process, shared by every copy of this package (see `processWide`). */
const clusters = processWide("memory-clusters", CLUSTERS_LAYOUT, () => new Map<string, MemoryCluster>(), (v): v is Map<string, MemoryCluster> => v instanceof Map);

/** The process-wide cluster of that name, created on first use. */
export function memoryCluster(name = "default"): MemoryCluster {
  let c = clusters.get(name);
  if (!c) {
    c = new MemoryCluster(name);
    clusters.set(name, c);
  }
  return c;
}

/** Forgets a cluster's topics, offsets and groups (for users' unit tests). */
export function resetMemoryCluster(name = "default"): void {
  clusters.delete(name);
}
