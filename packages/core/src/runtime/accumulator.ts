/**
 * The send accumulator, for clients that do not batch across calls (kafkajs, platformatic):
 * what Java's producer does with `linger.ms` and `batch.size`. One request per partition is in
 * flight at a time; records for a partition that arrive meanwhile wait, and go out together as
 * one request when it completes. So an awaited single send pays no extra latency (nothing in
 * flight: it goes at once) and concurrent sends pay one round trip per batch, not one each.
 * Order per partition is kept: a partition's records leave in the order they were given.
 *
 * A request never spans partitions: its outcome is then a fact about its own records (see
 * delivery.ts), and a client that resends a whole request after one partition of it failed
 * (kafkajs, platformatic without idempotence) cannot write the others twice. kafkajs's
 * idempotent producer also rolls back the sequence numbers of every partition of a failed
 * request, written ones included.
 */
import type { OutgoingRecord, ProduceResult, RoutedRecord } from "../messages/types.js";
import { qiError } from "../errors/qi-error.js";
import { partitionKey } from "../partitioner/router.js";

/** Records of one caller for one partition, waiting for their results. */
interface Part {
  readonly records: readonly RoutedRecord[];
  readonly bytes: number;
  readonly resolve: (results: readonly ProduceResult[]) => void;
  readonly reject: (error: unknown) => void;
  state: "waiting" | "sent" | "cancelled";
}

interface PartitionQueue {
  busy: boolean;
  /** Parts waiting, from `head` on (no `shift`: O(n) per part under a flood). */
  waiting: Part[];
  head: number;
}

/** How the accumulator sends and how much it gathers. */
export interface AccumulatorOptions {
  /** Writes records of one partition as one request. */
  readonly send: (records: readonly RoutedRecord[]) => Promise<readonly ProduceResult[]>;
  /** Most bytes of one partition per request (Java's `batch.size`, but larger by default). */
  readonly batchSize: number;
  /** ms a ready partition waits for more records before it goes (Java's `linger.ms`). */
  readonly lingerMs: number;
}

/** Bytes a record takes in a request, roughly (key, value, headers). */
export function recordBytes(r: OutgoingRecord): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0) + 24;
  for (const k in r.headers) {
    const v = r.headers[k]!;
    for (const b of Array.isArray(v) ? v : [v]) n += k.length + b.length;
  }
  return n;
}

/** A caller's records in the accumulator: `cancel` takes them back while they still wait. */
export interface Queued {
  readonly promise: Promise<readonly ProduceResult[]>;
  cancel(): boolean;
}

export class SendAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  /** Partitions with records waiting and nothing in flight. */
  private readonly ready = new Set<string>();
  private scheduled = false;

  constructor(private readonly options: AccumulatorOptions) {}

  /** Queues records of one partition; resolves with one result per record, in order. */
  add(records: readonly RoutedRecord[], bytes: number): Queued {
    const key = partitionKey(records[0]!.topic, records[0]!.partition);
    let part!: Part;
    const promise = new Promise<readonly ProduceResult[]>((resolve, reject) => {
      part = { records, bytes, resolve, reject, state: "waiting" };
    });
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { busy: false, waiting: [], head: 0 }));
    q.waiting.push(part);
    if (!q.busy) this.ready.add(key);
    this.schedule();
    return {
      promise,
      cancel: () => {
        if (part.state !== "waiting") return part.state === "cancelled";
        part.state = "cancelled";
        return true;
      },
    };
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

  /** Sends, for every ready partition, one request with what it has waiting (up to `batchSize` bytes). */
  private flush(): void {
    for (const key of this.ready) {
      const q = this.queues.get(key)!;
      const parts: Part[] = [];
      let bytes = 0;
      while (q.head < q.waiting.length && (parts.length === 0 || bytes + q.waiting[q.head]!.bytes <= this.options.batchSize)) {
        const part = q.waiting[q.head++]!;
        if (part.state === "cancelled") continue;
        part.state = "sent";
        bytes += part.bytes;
        parts.push(part);
      }
      if (q.head === q.waiting.length) {
        q.waiting = [];
        q.head = 0;
      } else if (q.head > 1024 && q.head * 2 > q.waiting.length) {
        q.waiting = q.waiting.slice(q.head);
        q.head = 0;
      }
      if (parts.length === 0) {
        this.queues.delete(key);
        continue;
      }
      q.busy = true;
      this.request(key, parts);
    }
    this.ready.clear();
  }

  /** One request for one partition; its parts settle with its outcome. */
  private request(key: string, parts: readonly Part[]): void {
    const records = parts.length === 1 ? parts[0]!.records : parts.flatMap((p) => p.records);
    let sent: Promise<readonly ProduceResult[]>;
    try {
      sent = this.options.send(records);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (results) => {
        if (results.length !== records.length) {
          const error = qiError("INTERNAL", "NO_DELIVERY_REPORT", `the connector returned ${results.length} reports for ${records.length} messages`);
          for (const p of parts) p.reject(error);
        } else if (parts.length === 1) parts[0]!.resolve(results);
        else {
          let i = 0;
          for (const p of parts) {
            p.resolve(results.slice(i, i + p.records.length));
            i += p.records.length;
          }
        }
        this.done(key);
      },
      (error: unknown) => {
        for (const p of parts) p.reject(error);
        this.done(key);
      },
    );
  }

  private done(key: string): void {
    const q = this.queues.get(key)!;
    q.busy = false;
    if (q.head < q.waiting.length) this.ready.add(key);
    else this.queues.delete(key);
    this.schedule();
  }
}
