/**
 * The in-process "broker" of the memory connector: topics with partitions and offsets,
 * consumer groups, and a change signal for waiting consumers. Clients that name the same
 * cluster (`options.cluster`, default "default") share it, as clients of one Kafka cluster do.
 */
import { partitionNotFound, qiError, topicAlreadyExists, topicNotFound } from "../errors/qi-error.js";
import type { ResolvedTopicConfig } from "../connector.js";
import type { TopicMetadata } from "../interfaces.js";
import type { ConsumedMessage, ProduceResult, RoutedRecord } from "../messages/types.js";
import { MemoryGroup } from "./group.js";
import { Signal } from "./signal.js";
import { processWide } from "../process-wide.js";

interface StoredRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | Buffer[]>>;
  readonly timestamp: Date;
}

interface MemoryTopic {
  readonly name: string;
  readonly partitions: StoredRecord[][];
  readonly configs: Readonly<Record<string, string>>;
}

/** A broker's `message.max.bytes` default, which a topic's `max.message.bytes` overrides. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

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

  /** @internal Use `memoryCluster(name)`. */
  constructor(
    /** The cluster's name, as given in `options.cluster`. */
    readonly name: string,
  ) {}

  /** @internal */
  createTopic(config: ResolvedTopicConfig): void {
    if (this.topics.has(config.topic)) throw topicAlreadyExists(config.topic);
    const partitions = Array.from({ length: config.numPartitions }, () => [] as StoredRecord[]);
    this.topics.set(config.topic, { name: config.topic, partitions, configs: { ...config.configs } });
    this.topicsChanged(config.topic);
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
    const max = Number(topic.configs["max.message.bytes"] ?? DEFAULT_MAX_MESSAGE_BYTES);
    const size = batchBytes(record);
    if (size > max) {
      throw qiError("VALIDATION", "MESSAGE_TOO_LARGE", `the message is ${size} bytes in a record batch, more than the topic's max.message.bytes (${max})`, {
        context: { topic: record.topic, partition: record.partition, kafkaCode: "MESSAGE_TOO_LARGE", kafkaErrorCode: 10 },
      });
    }
  }

  /** Appends one record to the partition core chose (`check` it first). @internal */
  append(record: RoutedRecord): ProduceResult {
    const log = this.topics.get(record.topic)!.partitions[record.partition]!;
    log.push({
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: new Date(record.timestamp ?? Date.now()),
    });
    return { topic: record.topic, partition: record.partition, offset: String(log.length - 1) };
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
    return this.topics.get(topic)?.partitions[partition]?.length ?? 0;
  }

  /** @internal */
  read(topic: string, partition: number, from: number, max: number): ConsumedMessage[] {
    const log = this.topics.get(topic)?.partitions[partition];
    if (!log) return [];
    const end = Math.min(log.length, from + max);
    const out: ConsumedMessage[] = [];
    for (let i = from; i < end; i++) {
      const r = log[i]!;
      out.push({ topic, partition, offset: String(i), key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    }
    return out;
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

  /** @internal */
  findGroup(groupId: string): MemoryGroup | undefined {
    return this.groups.get(groupId);
  }

  private topicsChanged(topic: string): void {
    for (const g of this.groups.values()) if (g.subscribes(topic)) void g.rebalance();
    this.appended();
  }
}

/**
 * The layout of what the process-wide cluster map holds: `MemoryCluster` objects and the
 * `MemoryGroup` and `Signal` objects in them, called by whichever copy of this package (ESM or
 * CJS build) reads the map. Bump it whenever those classes change in a way an older copy
 * could not use: copies of different layouts then keep separate maps instead of misusing each
 * other's objects.
 */
const CLUSTERS_LAYOUT = 1;

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
