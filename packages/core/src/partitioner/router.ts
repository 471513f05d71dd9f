/**
 * Chooses the partition of every outgoing record, in core, for every connector (memory
 * included): no client routes by itself, since they disagree (platformatic's partitioner,
 * librdkafka's CRC32) or silently drop a record for a partition that does not exist (kafkajs).
 * Keyed records go to Java's murmur2 partition, key-less ones round-robin; an explicit
 * partition is checked against the topic's partition count (cached, refreshed once on a miss,
 * since partitions can be added). The count comes from the driver's `partitionCount`.
 */
import { partitionNotFound, topicNotFound } from "../errors/qi-error.js";
import type { OutgoingRecord, ProduceResult, RoutedRecord } from "../messages/types.js";
import { JavaCompatiblePartitioner } from "./murmur2.js";

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

/** The key of a topic's partition in maps: one spelling everywhere. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

/** What a client reports per partition written: the offset of the first record of the request. */
export interface BaseOffsetReport {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The first record's offset; absent when the broker answers nothing (acks 0). */
  readonly baseOffset?: bigint | string | number | null;
}

/**
 * Per-record results from the client's per-partition base offsets: records written to one
 * partition in one request get consecutive offsets in the order they were given. A partition
 * with no report (acks 0) gets offset "-1".
 */
export function offsetsFromBase(records: readonly RoutedRecord[], reports: readonly BaseOffsetReport[]): ProduceResult[] {
  // One record or one partition (every awaited or pipelined send): no lookup table.
  if (reports.length === 1 && records.length === 1) {
    const r = records[0]!;
    return [{ topic: r.topic, partition: r.partition, offset: baseOf(reports[0]!) }];
  }
  const next = new Map<string, bigint | undefined>();
  for (const rep of reports) next.set(partitionKey(rep.topic, rep.partition), rep.baseOffset == null ? undefined : BigInt(rep.baseOffset));
  return records.map((r) => {
    const key = partitionKey(r.topic, r.partition);
    const offset = next.get(key);
    if (offset === undefined) return { topic: r.topic, partition: r.partition, offset: "-1" };
    next.set(key, offset + 1n);
    return { topic: r.topic, partition: r.partition, offset: offset.toString() };
  });
}

function baseOf(report: BaseOffsetReport): string {
  return report.baseOffset == null ? "-1" : String(report.baseOffset);
}
