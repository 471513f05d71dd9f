/**
 * One partition of the memory cluster: its records by offset, from the log start offset (which
 * `deleteRecords` raises, as Kafka's DeleteRecords does) to the high watermark.
 */
import type { ConsumedMessage } from "../messages/types.js";

/** A record as the cluster holds it. */
export interface StoredRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | Buffer[]>>;
  readonly timestamp: Date;
}

export class PartitionLog {
  /** The first offset still held (Kafka's log start offset). */
  private first = 0;
  /** The record at offset `first + i` is `records[i]`. */
  private readonly records: StoredRecord[] = [];

  /** The log start offset. */
  get start(): number {
    return this.first;
  }

  /** The offset the next record will get (the high watermark). */
  get end(): number {
    return this.first + this.records.length;
  }

  /** Appends a record; returns its offset. */
  append(record: StoredRecord): number {
    this.records.push(record);
    return this.end - 1;
  }

  /** At most `max` records from offset `from` (none before the log start). */
  read(topic: string, partition: number, from: number, max: number): ConsumedMessage[] {
    const out: ConsumedMessage[] = [];
    const end = Math.min(this.end, from + max);
    for (let offset = Math.max(from, this.first); offset < end; offset++) {
      const r = this.records[offset - this.first]!;
      out.push({ topic, partition, offset: String(offset), key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    }
    return out;
  }

  /** Drops the records before `offset` (at most the high watermark); a lower one than the log start changes nothing, as in Kafka. */
  deleteBefore(offset: number): void {
    const upTo = Math.min(offset, this.end);
    if (upTo <= this.first) return;
    this.records.splice(0, upTo - this.first);
    this.first = upTo;
  }

  /** The first offset whose record's timestamp is at or after `timestamp`, or undefined when none is. */
  offsetForTime(timestamp: number): number | undefined {
    const i = this.records.findIndex((r) => r.timestamp.getTime() >= timestamp);
    return i < 0 ? undefined : this.first + i;
  }
}
