/**
 * `run({ concurrency })`: the fetched batches a client hands over are queued in lanes (one per
 * partition, or one per key of a partition) and handled up to `limit` at once. The client is
 * let go as soon as its batch is queued, unless `maxHeldMessages` messages already wait for a
 * handler (back-pressure: it then waits for room), so it fetches while handlers run.
 *
 * By key, a partition's messages finish in any order; its `OffsetTracker` gives the offset that
 * is safe to commit (never past an unfinished message). By partition, one batch of a partition
 * runs at a time through the sequential path, whose commits are in order already.
 */
import type { ConsumedBatch, ConsumedMessage, TopicPartition, TopicPartitionOffset } from "../messages/types.js";
import { partitionKey } from "../partitioner/router.js";
import { LaneScheduler } from "./lanes.js";
import { OffsetTracker } from "./offset-tracker.js";

/** What the consumer lends the concurrent delivery. */
export interface ConcurrencyHost {
  /** Runs `fn` as a delivery of the partition `key` (revocation and disconnect wait for it). */
  track(key: string, fn: () => Promise<void>): Promise<void>;
  /** Hands a batch to the handler as the sequential path does; true when all of it was handled. */
  deliverBatch(batch: ConsumedBatch): Promise<boolean>;
  /** Runs the handler on one message (retries, telemetry, failure policy); true when consumption goes past it. */
  handleMessage(message: ConsumedMessage, highWatermark: string | undefined): Promise<boolean>;
  /** The consumer is closing or stopped: nothing more is handed to a handler. */
  stopping(): boolean;
  /** The user paused the partition. */
  paused(key: string): boolean;
  /** The partition's seek epoch: a unit queued before a seek is not handled after it. */
  epoch(key: string): number;
  /** The partition's next offset to commit moved (by key). */
  committable(offset: TopicPartitionOffset): void;
  /** The client fetches the paused partition again from `offset` once resumed. */
  refetch(partition: TopicPartition, offset: string): void;
}

/** A resolved `concurrency` option. */
export interface ResolvedConcurrency {
  readonly by: "partition" | "key";
  readonly limit: number;
  readonly maxHeldMessages: number;
}

/** The default of `maxHeldMessages`. */
export const DEFAULT_MAX_HELD_MESSAGES = 1000;

type Unit =
  | { readonly kind: "batch"; readonly key: string; readonly epoch: number; readonly batch: ConsumedBatch }
  | { readonly kind: "message"; readonly key: string; readonly epoch: number; readonly message: ConsumedMessage; readonly offset: bigint; readonly highWatermark: string | undefined; readonly tracker: OffsetTracker };

const sizeOf = (unit: Unit): number => (unit.kind === "batch" ? unit.batch.messages.length : 1);

/** The lane of a message by key: messages without a key take turns per partition. */
function laneOf(key: string, message: ConsumedMessage): string {
  return message.key === null ? `${key}\u0000` : `${key}\u0000${message.key.toString("base64")}`;
}

export class ConcurrentDelivery {
  private readonly lanes: LaneScheduler<Unit>;
  /** Messages queued and not yet started. */
  private waiting = 0;
  /** Units queued and not yet started, per partition (stall detection: such a partition is not idle). */
  private readonly waitingBy = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private closed = false;
  /** By key: each partition's tracker, made anew after a seek or a revocation. */
  private readonly trackers = new Map<string, { epoch: number; tracker: OffsetTracker }>();

  constructor(
    private readonly host: ConcurrencyHost,
    readonly config: ResolvedConcurrency,
  ) {
    this.lanes = new LaneScheduler<Unit>(config.limit, (unit) => this.run(unit));
  }

  /** Handler units running now. */
  get inFlight(): number {
    return this.lanes.inFlight;
  }

  /** Messages held: waiting for a handler and being handled (by key; by partition, batches being handled count as one). */
  get held(): number {
    return this.waiting + this.lanes.inFlight;
  }

  /** True when units of the partition wait for a handler. */
  hasWaiting(key: string): boolean {
    return (this.waitingBy.get(key) ?? 0) > 0;
  }

  /** True when `maxHeldMessages` messages wait: the client is held back, no partition counts as idle. */
  get full(): boolean {
    return this.waiting >= this.config.maxHeldMessages;
  }

  /** Queues a fetched batch; resolves once there is room for more (at once, mostly). Never rejects. */
  accept(batch: ConsumedBatch): Promise<void> {
    const first = batch.messages[0];
    if (this.closed || first === undefined || this.host.stopping()) return Promise.resolve();
    const key = partitionKey(batch.topic, batch.partition);
    if (this.host.paused(key)) {
      // Fetched before the pause took effect: fetched again once resumed.
      this.host.refetch(batch, first.offset);
      return Promise.resolve();
    }
    const epoch = this.host.epoch(key);
    if (this.config.by === "partition") {
      this.push(key, key, { kind: "batch", key, epoch, batch });
    } else {
      const tracker = this.trackerOf(key, epoch);
      for (const message of batch.messages) {
        const offset = BigInt(message.offset);
        // Handed over again without a seek (a client's retry): already tracked, so not twice.
        if (!tracker.add(offset)) continue;
        this.push(key, laneOf(key, message), { kind: "message", key, epoch, message, offset, highWatermark: batch.highWatermark, tracker });
      }
    }
    return this.room();
  }

  /**
   * The user paused the partition: its messages not started are taken back and fetched again
   * once it is resumed; those being handled finish and are committed.
   */
  pause(key: string, tp: TopicPartition): void {
    const from = this.takeBack((p) => p === key).get(key);
    if (from !== undefined) this.host.refetch(tp, from.toString());
  }

  /**
   * The partitions are being revoked: what waits is dropped (the next owner reads it from the
   * committed offset); the handlers running finish and are committed up to the first message
   * dropped. `revoked` forgets the trackers once they ended.
   */
  revoke(keys: ReadonlySet<string>): void {
    this.takeBack((p) => keys.has(p));
  }

  /** The revocation of `keys` ended: their trackers go (a later assignment starts anew). */
  revoked(keys: ReadonlySet<string>): void {
    for (const key of keys) this.trackers.delete(key);
  }

  /**
   * Drops the waiting units of the partitions `which` selects; each one's tracker stops before
   * its first dropped offset, so what finishes commits no further. Returns those offsets.
   */
  private takeBack(which: (partition: string) => boolean): Map<string, bigint> {
    const taken = this.lanes.drop(which);
    this.release(taken);
    const from = new Map<string, bigint>();
    for (const u of taken) {
      const offset = u.kind === "batch" ? BigInt(u.batch.messages[0]!.offset) : u.offset;
      const before = from.get(u.key);
      if (before === undefined || offset < before) from.set(u.key, offset);
    }
    for (const [key, offset] of from) this.trackers.get(key)?.tracker.truncate(offset);
    return from;
  }

  /** A seek: the partition's queued units are stale, its tracker starts anew. */
  forget(key: string): void {
    this.release(this.lanes.drop((p) => p === key));
    this.trackers.delete(key);
  }

  /** Nothing more starts; the client is let go. */
  close(): void {
    this.closed = true;
    this.lanes.close();
    this.release(this.lanes.drop(() => true));
    for (const w of this.waiters.splice(0)) w();
  }

  private trackerOf(key: string, epoch: number): OffsetTracker {
    const current = this.trackers.get(key);
    if (current?.epoch === epoch) return current.tracker;
    const tracker = new OffsetTracker();
    this.trackers.set(key, { epoch, tracker });
    return tracker;
  }

  private push(partition: string, lane: string, unit: Unit): void {
    this.waiting += sizeOf(unit);
    this.waitingBy.set(partition, (this.waitingBy.get(partition) ?? 0) + 1);
    this.lanes.push(partition, lane, unit);
  }

  private room(): Promise<void> {
    if (this.waiting < this.config.maxHeldMessages || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(units: readonly Unit[]): void {
    for (const u of units) {
      this.waiting -= sizeOf(u);
      const left = (this.waitingBy.get(u.key) ?? 1) - 1;
      if (left > 0) this.waitingBy.set(u.key, left);
      else this.waitingBy.delete(u.key);
    }
    while (this.waiters.length > 0 && (this.waiting < this.config.maxHeldMessages || this.closed)) this.waiters.shift()!();
  }

  /** Runs one unit as a delivery of its partition; never rejects. */
  private run(unit: Unit): Promise<void> {
    this.release([unit]);
    return this.host
      .track(unit.key, async () => {
        if (this.closed || this.host.stopping() || this.host.epoch(unit.key) !== unit.epoch) return;
        if (unit.kind === "batch") {
          const whole = await this.host.deliverBatch(unit.batch);
          // Stopped inside the batch (a pause, the stop policy): later batches of this epoch
          // follow the point the client fetches again from, so they are not handled.
          if (!whole) this.release(this.lanes.drop((p) => p === unit.key, (u) => u.epoch === unit.epoch));
          return;
        }
        if (!(await this.host.handleMessage(unit.message, unit.highWatermark))) return;
        const current = this.trackers.get(unit.key);
        if (current?.tracker !== unit.tracker) return; // sought or revoked meanwhile: the position is not ours
        unit.tracker.finish(unit.offset);
        const next = unit.tracker.advance();
        if (next !== undefined) this.host.committable({ topic: unit.message.topic, partition: unit.message.partition, offset: next });
      })
      .catch(() => undefined);
  }
}
