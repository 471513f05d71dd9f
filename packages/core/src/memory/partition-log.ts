/**
 * One partition of the memory cluster: its records by offset, from the log start offset (which
 * `deleteRecords` raises, as Kafka's DeleteRecords does) to the high watermark. A transaction's
 * records are written at once and carry its state; its end writes a control marker (taking an
 * offset, as in Kafka). `read_committed` reads stop at the last stable offset (the first record
 * of a transaction still open) and skip aborted records; no read returns a marker.
 */
import type { IsolationLevel } from "../config/types.js";
import type { ConsumedMessage } from "../messages/types.js";

/** A transaction's state, shared by every record it wrote. */
export interface TransactionState {
  state: "open" | "committed" | "aborted";
}

/** A record as the cluster holds it. */
export interface StoredRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | Buffer[]>>;
  readonly timestamp: Date;
  /** The transaction that wrote it, if any. */
  readonly transaction?: TransactionState;
  /** True for a transaction's commit or abort marker (Kafka's control record): never read. */
  readonly marker?: boolean;
}

const MARKER: StoredRecord = { key: null, value: null, headers: {}, timestamp: new Date(0), marker: true };

/** What a fetch returns: the records, and where the next fetch starts (past skipped markers and aborted records). */
export interface LogRead {
  readonly messages: ConsumedMessage[];
  readonly next: number;
}

export class PartitionLog {
  /** The first offset still held (Kafka's log start offset). */
  private first = 0;
  /** The record at offset `first + i` is `records[i]`. */
  private readonly records: StoredRecord[] = [];
  /** The open transactions writing here, and the offset of each one's first record. */
  private readonly open = new Map<TransactionState, number>();

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
    const offset = this.end - 1;
    if (record.transaction && !this.open.has(record.transaction)) this.open.set(record.transaction, offset);
    return offset;
  }

  /** Ends a transaction that wrote here: its marker takes the next offset. */
  endTransaction(transaction: TransactionState): void {
    if (!this.open.delete(transaction)) return;
    this.records.push(MARKER);
  }

  /** The last stable offset: the first record of a transaction still open, else the high watermark. */
  get stable(): number {
    let lso = this.end;
    for (const offset of this.open.values()) lso = Math.min(lso, offset);
    return lso;
  }

  /** Where a consumer of that isolation level may read up to (exclusive). */
  readableEnd(isolation: IsolationLevel): number {
    return isolation === "read_committed" ? this.stable : this.end;
  }

  /** At most `max` records from offset `from` (none before the log start) that the isolation level reads. */
  read(topic: string, partition: number, from: number, max: number, isolation: IsolationLevel = "read_uncommitted"): LogRead {
    const messages: ConsumedMessage[] = [];
    const end = this.readableEnd(isolation);
    let offset = Math.max(from, this.first);
    for (; offset < end && messages.length < max; offset++) {
      const r = this.records[offset - this.first]!;
      if (r.marker || (isolation === "read_committed" && r.transaction?.state === "aborted")) continue;
      messages.push({ topic, partition, offset: String(offset), key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    }
    return { messages, next: offset };
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
