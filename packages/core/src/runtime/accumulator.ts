/**
 * The send accumulator, for clients that do not batch across calls (kafkajs, platformatic):
 * what Java's producer does with `linger.ms` and `batch.size`. One request per partition is in
 * flight at a time; records for a partition that arrive meanwhile wait, and go out together as
 * one request when it completes. Partitions that become ready together share one request. So
 * an awaited single send pays no extra latency (nothing in flight: it goes at once) and
 * concurrent sends pay one round trip per batch, not one each. Order per partition is kept:
 * a partition's records leave in the order they were given.
 */
import type { OutgoingRecord, ProduceResult, RoutedRecord } from "../messages/types.js";
import { qiError } from "../errors/qi-error.js";
import { partitionKey } from "../partitioner/router.js";

/** A caller's records, waiting for one result per record. */
interface Entry {
  readonly results: ProduceResult[];
  /** Partitions of it not yet written. */
  remaining: number;
  failed: boolean;
  readonly resolve: (results: readonly ProduceResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/** The records of one entry for one partition, and where their results go in the entry. */
interface Part {
  readonly entry: Entry;
  readonly records: RoutedRecord[];
  readonly at: number[];
  readonly bytes: number;
}

interface PartitionQueue {
  busy: boolean;
  readonly waiting: Part[];
}

/** How the accumulator sends and how much it gathers. */
export interface AccumulatorOptions {
  /** Writes records (of one or several partitions) as one request. */
  readonly send: (records: readonly RoutedRecord[]) => Promise<readonly ProduceResult[]>;
  /** Most bytes of one partition per request (Java's `batch.size`, but larger by default). */
  readonly batchSize: number;
  /** ms a ready partition waits for more records before it goes (Java's `linger.ms`). */
  readonly lingerMs: number;
  /**
   * One request per partition (a client that resends whole requests): a failure then fails
   * only that partition's records; else the ready partitions share one request.
   */
  readonly perPartition: boolean;
}

/** Bytes a record takes in a request, roughly (key, value, headers). */
export function recordBytes(r: OutgoingRecord): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0) + 24;
  for (const k in r.headers) n += k.length + r.headers[k]!.length;
  return n;
}

export class SendAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  /** Partitions with records waiting and nothing in flight. */
  private readonly ready = new Set<string>();
  private scheduled = false;

  constructor(private readonly options: AccumulatorOptions) {}

  /** Queues the records (their partitions chosen) and resolves with one result per record, in input order. */
  add(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    return new Promise((resolve, reject) => {
      const entry: Entry = { results: new Array<ProduceResult>(records.length), remaining: 0, failed: false, resolve, reject };
      const parts = new Map<string, { records: RoutedRecord[]; at: number[]; bytes: number }>();
      records.forEach((r, i) => {
        const key = partitionKey(r.topic, r.partition);
        let p = parts.get(key);
        if (!p) parts.set(key, (p = { records: [], at: [], bytes: 0 }));
        p.records.push(r);
        p.at.push(i);
        p.bytes += recordBytes(r);
      });
      entry.remaining = parts.size;
      for (const [key, p] of parts) {
        let q = this.queues.get(key);
        if (!q) this.queues.set(key, (q = { busy: false, waiting: [] }));
        q.waiting.push({ entry, ...p });
        if (!q.busy) this.ready.add(key);
      }
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.ready.size === 0) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      this.flush();
    };
    if (this.options.lingerMs > 0) setTimeout(go, this.options.lingerMs);
    else queueMicrotask(go);
  }

  /** Sends one request with what every ready partition has waiting (up to `batchSize` bytes each). */
  private flush(): void {
    const taken: { key: string; parts: Part[] }[] = [];
    for (const key of this.ready) {
      const q = this.queues.get(key)!;
      const parts: Part[] = [];
      let bytes = 0;
      while (q.waiting.length > 0 && (parts.length === 0 || bytes + q.waiting[0]!.bytes <= this.options.batchSize)) {
        const part = q.waiting.shift()!;
        bytes += part.bytes;
        parts.push(part);
      }
      q.busy = true;
      taken.push({ key, parts });
    }
    this.ready.clear();
    if (taken.length === 0) return;
    if (this.options.perPartition) for (const t of taken) this.request([t]);
    else this.request(taken);
  }

  /** One request for the taken partitions; their parts settle with its outcome. */
  private request(taken: readonly { key: string; parts: Part[] }[]): void {
    const records = taken.flatMap((t) => t.parts.flatMap((p) => p.records));
    let sent: Promise<readonly ProduceResult[]>;
    try {
      sent = this.options.send(records);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (results) => {
        if (results.length !== records.length) {
          this.done(taken, qiError("INTERNAL", "NO_DELIVERY_REPORT", `the connector returned ${results.length} reports for ${records.length} messages`));
          return;
        }
        let i = 0;
        for (const t of taken) for (const p of t.parts) for (const at of p.at) p.entry.results[at] = results[i++]!;
        this.done(taken, undefined);
      },
      (error: unknown) => this.done(taken, error),
    );
  }

  private done(taken: readonly { key: string; parts: Part[] }[], error: unknown): void {
    for (const t of taken) {
      for (const p of t.parts) {
        const e = p.entry;
        if (e.failed) continue;
        if (error !== undefined) {
          e.failed = true;
          e.reject(error);
        } else if (--e.remaining === 0) e.resolve(e.results);
      }
      const q = this.queues.get(t.key)!;
      q.busy = false;
      if (q.waiting.length > 0) this.ready.add(t.key);
      else this.queues.delete(t.key);
    }
    this.schedule();
  }
}
