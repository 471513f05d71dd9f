/**
 * Chooses the partition of every outgoing record, for connectors whose client would route
 * differently (platformatic's partitioner, librdkafka's CRC32) or silently drop a record for a
 * partition that does not exist (kafkajs). Keyed records go to Java's murmur2 partition,
 * key-less ones round-robin; an explicit partition is checked against the topic's partition
 * count (cached, refreshed once on a miss, since partitions can be added).
 */
import { partitionNotFound, topicNotFound } from "../errors/qi-error.js";
import type { OutgoingRecord } from "../messages/types.js";
import { JavaCompatiblePartitioner } from "../partitioner/murmur2.js";

/** Returns the partition count of a topic, or undefined when it does not exist. */
export type PartitionCountFetcher = (topic: string) => Promise<number | undefined>;

/**
 * Routes outgoing records for connectors: Java murmur2 partition for keyed records, round-robin
 * for the others, explicit partitions checked against the topic's partition count.
 */
export class PartitionRouter {
  private readonly counts = new Map<string, { count: number; at: number }>();
  private readonly pending = new Map<string, Promise<number>>();
  private readonly partitioner = new JavaCompatiblePartitioner();

  /** @param ttlMs how long a partition count is trusted @default 30000 */
  constructor(
    private readonly fetchCount: PartitionCountFetcher,
    private readonly ttlMs = 30_000,
  ) {}

  private count(topic: string, refresh: boolean): number | Promise<number> {
    const cached = this.counts.get(topic);
    if (cached && !refresh && Date.now() - cached.at < this.ttlMs) return cached.count;
    // One metadata request per topic however many sends wait for it (1,000 pipelined sends
    // to a new topic would otherwise ask 1,000 times).
    let pending = this.pending.get(topic);
    if (!pending) {
      pending = this.fetchCount(topic)
        .then((count) => {
          if (count === undefined || count === 0) {
            this.counts.delete(topic);
            throw topicNotFound(topic);
          }
          this.counts.set(topic, { count, at: Date.now() });
          return count;
        })
        .finally(() => this.pending.delete(topic));
      this.pending.set(topic, pending);
    }
    return pending;
  }

  /**
   * The partition of each record, in input order: at once when every topic's partition count is
   * cached (the common case, no promise per send), else once the counts are known. The promise
   * rejects with `topicNotFound` / `partitionNotFound`.
   */
  route(records: readonly OutgoingRecord[]): number[] | Promise<number[]> {
    const out = new Array<number>(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const n = this.count(r.topic, false);
      if (typeof n !== "number" || (r.partition !== undefined && r.partition >= n)) return this.routeLater(records);
      out[i] = r.partition ?? this.partitioner.partition(r.topic, r.key, n);
    }
    return out;
  }

  /** Fetches what `route` lacked (a partition count; a fresh one for a partition past it), then routes. */
  private async routeLater(records: readonly OutgoingRecord[]): Promise<number[]> {
    for (const r of records) {
      const n = await this.count(r.topic, false);
      if (r.partition !== undefined && r.partition >= n) {
        const fresh = await this.count(r.topic, true);
        if (r.partition >= fresh) throw partitionNotFound(r.topic, r.partition, fresh);
      }
    }
    return this.route(records);
  }

  /** Forget a topic's count (after a produce error that says the metadata is stale). */
  invalidate(topic: string): void {
    this.counts.delete(topic);
  }
}

/**
 * Per-record offsets from a per-partition base offset: records written to one partition in one
 * request get consecutive offsets in the order they were given.
 */
export function offsetsFromBase(
  records: readonly { readonly topic: string }[],
  partitions: readonly number[],
  baseOffset: (topic: string, partition: number) => bigint | string | number,
): {
  /** The record's topic. */
  topic: string;
  /** The partition it was written to. */
  partition: number;
  /** Its offset, decimal. */
  offset: string;
}[] {
  // One record (every awaited or pipelined send): no counting.
  if (records.length === 1) return [{ topic: records[0]!.topic, partition: partitions[0]!, offset: String(baseOffset(records[0]!.topic, partitions[0]!)) }];
  const next = new Map<string, bigint>();
  return records.map((r, i) => {
    const partition = partitions[i]!;
    const key = `${partition}:${r.topic}`;
    const offset = next.get(key) ?? BigInt(baseOffset(r.topic, partition));
    next.set(key, offset + 1n);
    return { topic: r.topic, partition, offset: offset.toString() };
  });
}
