/**
 * The fetch loop. platformatic's `MessagesStream` fetches every assigned partition and pauses
 * only as a whole, so this driver fetches itself over the public `Consumer.fetch()`: one request
 * per leader for the partitions that have a position and are neither paused nor waiting, record
 * batches decoded into `ConsumedMessage`s, and one batch per partition prefetched while the
 * previous one is being delivered. The memory budget (`maxBufferedBytes`) bounds what is held:
 * batches being delivered plus those prefetched; at the budget no fetch starts until a delivery
 * ends, and a fetch asks for at most what is left of it. Core slices what it is handed, and
 * repositions the driver (a seek) when it stops early.
 */
import type { ConsumedMessage } from "@qi/streaming";
import { normalizeIncoming, toQiError, type BatchSink, type ResolvedConfig } from "@qi/streaming/connector";
import { ConnectionPool, type ConnectionOptions, type Consumer, type RecordsBatch } from "@platformatic/kafka";
import { OFFSET_OUT_OF_RANGE } from "./errors.js";
import type { Membership } from "./membership.js";
import { baseOptions, type FetchSettings } from "./options.js";
import type { Fetched, PartitionState, Positions } from "./positions.js";

/** Record batch attributes. */
const IS_CONTROL = 0x20;
const IS_TRANSACTIONAL = 0x10;
const LOG_APPEND_TIME = 0x08;

/** What `Consumer.fetch()` answers (the type is not exported by name). */
export type FetchResponse = Awaited<ReturnType<Consumer<Buffer, Buffer, Buffer, Buffer>["fetch"]>>;
type FetchPartition = { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number };
/** What a fetch request asked per partition: a response under another epoch or offset is stale. */
type Requested = Map<string, { epoch: number; offset: bigint }>;
/** A fetch response's aborted transaction: a producer and the offset its aborted transaction began at. */
export type AbortedTransaction = { readonly producerId: bigint; readonly firstOffset: bigint };

/** A control batch's record says abort (its key: version int16, type int16; type 0 is ABORT). */
function isAbortMarker(batch: RecordsBatch): boolean {
  const key = batch.records[0]?.key;
  return Buffer.isBuffer(key) && key.length >= 4 && key.readInt16BE(2) === 0;
}

/**
 * The messages of a partition's record batches from offset `from` on (a batch may start before
 * it), and the next offset to fetch. Control batches (transaction markers) are skipped; a batch
 * with LOG_APPEND_TIME gives every record the broker's time.
 *
 * `aborted` is the response's aborted transactions (read_committed only; the broker sends none
 * under read_uncommitted): their batches are dropped the way Java's consumer does it, in log
 * order, a producer's batches being aborted from its aborted transaction's first offset until its
 * abort marker. platformatic's own filter is not enough: it keeps one range per producer (a
 * producer's earlier aborted transaction in the same response gets through) and keeps every
 * batch of a transaction whose abort marker is not in the response yet (a response cut by
 * `maxBytes` in the middle of an aborted transaction delivers its first part).
 */
export function decodeBatches(
  topic: string,
  partition: number,
  batches: readonly RecordsBatch[],
  from: bigint,
  aborted: readonly AbortedTransaction[] | null = null,
): { messages: ConsumedMessage[]; next: bigint; bytes: number } {
  const messages: ConsumedMessage[] = [];
  let next = from;
  let bytes = 0;
  const pending = [...(aborted ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const abortedProducers = new Set<bigint>();
  for (const batch of batches) {
    // `length` counts from the partition leader epoch on; the offset and the length field are 12 bytes more.
    bytes += batch.length + 12;
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    if (last + 1n > next) next = last + 1n;
    while (pending.length > 0 && pending[0]!.firstOffset <= last) abortedProducers.add(pending.shift()!.producerId);
    if (batch.attributes & IS_CONTROL) {
      if (isAbortMarker(batch)) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < from) continue;
      const timestamp = batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta;
      messages.push(normalizeIncoming({ topic, partition, offset, key: r.key, value: r.value, headers: r.headers, timestamp }));
    }
  }
  return { messages, next, bytes };
}

export interface FetcherOptions {
  readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly sink: BatchSink;
  readonly positions: Positions;
  readonly membership: Membership;
  readonly topics: readonly string[];
  readonly settings: FetchSettings;
  readonly config: ResolvedConfig;
  readonly groupId: string;
  /** The loop ended on an error of its own (it never gives up on a failed fetch): nothing is fetched any more. */
  readonly crashed: (error: unknown) => void;
}

export class Fetcher {
  private running = true;
  private readonly loop: Promise<void>;
  private wakeUp: (() => void) | undefined;
  /**
   * Fetches long-poll: on the connection of the group requests (heartbeats, commits) they would
   * hold those up by up to `maxWaitTime`. Like platformatic's own streams, fetch on a pool of its own.
   */
  private readonly pool: ConnectionPool;

  constructor(private readonly o: FetcherOptions) {
    this.pool = new ConnectionPool(o.config.clientId, baseOptions(o.config) as ConnectionOptions);
    this.loop = this.run().catch((error: unknown) => {
      if (this.running) o.crashed(error);
    });
  }

  /** Ends the loop (deliveries in progress are core's to wait for). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop.catch(() => {});
    await this.pool.close().catch(() => {});
  }

  /** Something changed (a seek, a resume, positions known, a delivery done): fetch now. */
  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** A batch of `s` may be handed to core now. */
  private deliverable(s: PartitionState): boolean {
    return this.running && !s.paused && !this.o.membership.revoking && this.o.membership.owns(s);
  }

  private async run(): Promise<void> {
    const { config, membership, positions } = this.o;
    let failures = 0;
    while (this.running) {
      const ready = membership.revoking
        ? []
        : membership.owned.map((tp) => positions.get(tp.topic, tp.partition)).filter((s): s is PartitionState => !!s && s.position !== undefined && !s.paused && !s.prefetched);
      // At the budget: wait for a delivery to end (it wakes the loop).
      if (ready.length === 0 || this.held() >= this.o.settings.maxBufferedBytes) {
        await this.idle(1000);
        continue;
      }
      try {
        await this.fetchOnce(ready);
        failures = 0;
      } catch (error) {
        if (!this.running) break;
        failures++;
        const qi = toQiError(error, { connector: "platformatic", operation: "consumer.fetch", groupId: this.o.groupId });
        // Transient failures (a leader moving, a broker restarting) are retried quietly; the rest are reported.
        if (qi.retriable && failures < 10) config.logger.warn(`platformatic consumer: fetch failed, retrying: ${qi.message}`, { code: qi.code });
        else this.o.sink.error(error);
        await this.idle(Math.min(config.retry.maxRetryTimeMs, config.retry.initialRetryTimeMs * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }

  /** Bytes of fetched records held: batches being delivered and batches prefetched. */
  private held(): number {
    let bytes = 0;
    for (const tp of this.o.membership.owned) {
      const s = this.o.positions.get(tp.topic, tp.partition);
      if (s) bytes += s.deliveringBytes + (s.prefetched?.bytes ?? 0);
    }
    return bytes;
  }

  /** One fetch request per leader of the `ready` partitions. */
  private async fetchOnce(ready: readonly PartitionState[]): Promise<void> {
    const { consumer, settings } = this.o;
    const metadata = await consumer.metadata({ topics: [...this.o.topics] });
    const byNode = new Map<number, Map<string, FetchPartition[]>>();
    const names = new Map<string, string>();
    const requested: Requested = new Map();
    let leaderless = false;
    for (const s of ready) {
      const t = metadata.topics.get(s.topic);
      const leader = t?.partitions[s.partition]?.leader;
      if (!t || leader === undefined || leader < 0) {
        leaderless = true;
        continue;
      }
      names.set(t.id, s.topic);
      let topics = byNode.get(leader);
      if (!topics) byNode.set(leader, (topics = new Map()));
      let list = topics.get(t.id);
      if (!list) topics.set(t.id, (list = []));
      list.push({ partition: s.partition, fetchOffset: s.position!, partitionMaxBytes: settings.maxBytesPerPartition, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
      requested.set(s.key, { epoch: s.epoch, offset: s.position! });
    }
    if (leaderless) consumer.clearMetadata();
    if (byNode.size === 0) {
      await this.idle(100);
      return;
    }
    // What is left of the budget, shared by the leaders asked at once (the broker still returns
    // a first batch larger than this whole).
    const maxBytes = Math.max(1, Math.floor(Math.min(settings.maxBytes, settings.maxBufferedBytes - this.held()) / byNode.size));
    const results = await Promise.allSettled(
      [...byNode].map(([node, topics]) =>
        consumer.fetch({ node, topics: [...topics].map(([topicId, partitions]) => ({ topicId, partitions })), maxWaitTime: settings.maxWaitTime, maxBytes, connectionPool: this.pool }),
      ),
    );
    let failure: unknown;
    for (const r of results) {
      if (r.status === "fulfilled") this.accept(r.value, names, requested);
      else {
        // A partition-level error fails the whole request; the other partitions' data still counts.
        const response = (r.reason as { response?: FetchResponse } | null)?.response;
        if (response?.responses) {
          this.accept(response, names, requested);
          if (this.resetOutOfRange(response, names, requested)) continue;
        }
        failure ??= r.reason;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** OFFSET_OUT_OF_RANGE: the position fell off the log. True when that was the only error. */
  private resetOutOfRange(response: FetchResponse, names: ReadonlyMap<string, string>, requested: Requested): boolean {
    let onlyOutOfRange = true;
    for (const t of response.responses) {
      const topic = names.get(t.topicId);
      for (const p of t.partitions) {
        if (p.errorCode === 0) continue;
        if (p.errorCode !== OFFSET_OUT_OF_RANGE || topic === undefined) {
          onlyOutOfRange = false;
          continue;
        }
        const s = this.o.positions.get(topic, p.partitionIndex);
        const req = s && requested.get(s.key);
        if (!s || !req || s.epoch !== req.epoch) continue;
        const reset = this.o.positions.outOfRange(s, p.logStartOffset, p.highWatermark);
        this.o.config.logger.warn(`platformatic consumer: offset ${req.offset} is out of range for ${topic}[${p.partitionIndex}], resetting to ${reset ?? "the committed offset"}`);
      }
    }
    return onlyOutOfRange;
  }

  /** Takes each partition's records, unless the partition moved since the request. */
  private accept(response: FetchResponse, names: ReadonlyMap<string, string>, requested: Requested): void {
    for (const t of response.responses) {
      const topic = names.get(t.topicId);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const s = this.o.positions.get(topic, p.partitionIndex);
        const req = s && requested.get(s.key);
        if (!s || !req || p.errorCode !== 0 || !p.records || p.records.length === 0) continue;
        // Seeked, paused or given away since the request was made: the data is stale.
        if (s.epoch !== req.epoch || s.position !== req.offset || !this.deliverable(s)) continue;
        const { messages, next, bytes } = decodeBatches(topic, p.partitionIndex, p.records, req.offset, p.abortedTransactions);
        s.position = next;
        if (messages.length === 0) continue;
        const fetched: Fetched = { epoch: s.epoch, messages, highWatermark: String(p.highWatermark), bytes };
        if (s.busy) s.prefetched = fetched;
        else this.deliver(s, fetched);
      }
    }
  }

  /** Hands a fetched batch to core, whole; then the batch prefetched meanwhile, if still current. */
  private deliver(s: PartitionState, fetched: Fetched): void {
    s.busy = true;
    s.deliveringBytes = fetched.bytes;
    void this.o.sink
      .deliver({ topic: s.topic, partition: s.partition, messages: fetched.messages, highWatermark: fetched.highWatermark })
      .catch((error: unknown) => this.o.sink.error(error))
      .finally(() => {
        s.busy = false;
        s.deliveringBytes = 0;
        const next = s.prefetched;
        s.prefetched = undefined;
        if (next && next.epoch === s.epoch) {
          if (this.deliverable(s)) this.deliver(s, next);
          else this.o.positions.rewind(s, next.messages[0]!.offset);
        }
        this.wake();
      });
  }
}
