/**
 * Where the consumer reads each partition. platformatic's own stream has no seek and starts at
 * LATEST, ignoring committed offsets; so this driver keeps one position per partition:
 *
 * - a new assignment starts at the committed offset, else earliest or latest per `fromBeginning`;
 * - a seek (the user's, or core's after a delivery stopped early) sets the position and bumps the
 *   partition's epoch, so data fetched or queued under the older epoch is dropped;
 * - a position that fell off the log (OFFSET_OUT_OF_RANGE) restarts at earliest or latest.
 */
import type { ConsumedMessage, TopicPartition } from "@qi/streaming";
import { partitionKey } from "@qi/streaming/connector";

const EARLIEST = -2n;
const LATEST = -1n;

/** Messages fetched for one partition under one epoch, with the partition's end then (for lag). */
export interface Fetched {
  readonly epoch: number;
  readonly messages: readonly ConsumedMessage[];
  readonly highWatermark: string;
  /** Bytes of the record batches the messages came from (what the broker counts against a fetch's sizes). */
  readonly bytes: number;
}

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** Next offset to fetch; undefined until known. */
  position: bigint | undefined;
  /** Bumped by every seek: data fetched or queued under an older epoch is dropped. */
  epoch: number;
  paused: boolean;
  /** A position set by `seek` before the partition was assigned, that the assignment must keep. */
  seeked: boolean;
  /** A delivery to core is running (the next batch waits in `prefetched`). */
  busy: boolean;
  /** The next batch, fetched while the previous one was being delivered. */
  prefetched: Fetched | undefined;
  /** Bytes of the batch being delivered to core (0 when none): counted against the memory budget. */
  deliveringBytes: number;
}

/** The two look-ups a position starts from (platformatic's `Consumer` has both). */
export interface OffsetSource {
  listCommittedOffsets(options: { topics: { topic: string; partitions: number[] }[] }): Promise<Map<string, bigint[]>>;
  listOffsets(options: { topics: string[]; partitions: Record<string, number[]>; timestamp: bigint }): Promise<Map<string, bigint[]>>;
}

/**
 * Sets the positions of `states`: the committed offset, else earliest or latest per
 * `fromBeginning`. A partition sought meanwhile (its epoch moved) keeps the seek's position.
 */
export async function lookUpPositions(source: OffsetSource, states: readonly PartitionState[], fromBeginning: boolean): Promise<void> {
  if (states.length === 0) return;
  const epochs = new Map(states.map((s) => [s.key, s.epoch]));
  const current = (s: PartitionState): boolean => epochs.get(s.key) === s.epoch;
  const committed = await source.listCommittedOffsets({ topics: [...group(states)].map(([topic, partitions]) => ({ topic, partitions })) });
  const missing: PartitionState[] = [];
  for (const s of states) {
    const offset = committed.get(s.topic)?.[s.partition];
    if (offset !== undefined && offset >= 0n) {
      if (current(s)) s.position = offset;
    } else missing.push(s);
  }
  if (missing.length === 0) return;
  const partitions = Object.fromEntries(group(missing));
  const offsets = await source.listOffsets({ topics: Object.keys(partitions), partitions, timestamp: fromBeginning ? EARLIEST : LATEST });
  for (const s of missing) {
    const offset = offsets.get(s.topic)?.[s.partition];
    if (offset !== undefined && current(s)) s.position = offset;
  }
}

function group(states: readonly PartitionState[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const s of states) {
    let list = byTopic.get(s.topic);
    if (!list) byTopic.set(s.topic, (list = []));
    list.push(s.partition);
  }
  return byTopic;
}

/** Every partition's position, pause and queued batch. */
export class Positions {
  private readonly parts = new Map<string, PartitionState>();
  /** Applies to partitions without a committed offset. */
  fromBeginning = false;
  /** Resolves once the positions being looked up are known. */
  ready: Promise<void> = Promise.resolve();

  /** Look-ups to try again after a failure (the next assignment or `clear` cancels them). */
  private readonly retries = new Set<NodeJS.Timeout>();

  /**
   * @param source where committed and earliest/latest offsets are looked up
   * @param onError a failed look-up (nothing can return it; it is tried again)
   * @param onKnown positions became known: fetching can go on
   * @param retryDelay the wait before the look-up's attempt `attempt` + 1 (from 0)
   */
  constructor(
    private readonly source: () => OffsetSource,
    private readonly onError: (error: unknown) => void,
    private readonly onKnown: () => void,
    private readonly retryDelay: (attempt: number) => number = (attempt) => Math.min(30_000, 300 * 2 ** Math.min(attempt, 10)),
  ) {}

  /** The partition's state, made on first use. */
  state(tp: TopicPartition): PartitionState {
    const key = partitionKey(tp.topic, tp.partition);
    let s = this.parts.get(key);
    if (!s) {
      s = { topic: tp.topic, partition: tp.partition, key, position: undefined, epoch: 0, paused: false, seeked: false, busy: false, prefetched: undefined, deliveringBytes: 0 };
      this.parts.set(key, s);
    }
    return s;
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.parts.get(partitionKey(topic, partition));
  }

  /** Puts the position at `offset` and drops what was fetched or queued before. */
  rewind(s: PartitionState, offset: string | bigint): void {
    s.position = BigInt(offset);
    s.epoch++;
    s.prefetched = undefined;
  }

  /** A seek; on a partition not owned yet, the next assignment keeps it. */
  seek(tp: TopicPartition, offset: string, owned: boolean): void {
    const s = this.state(tp);
    this.rewind(s, offset);
    s.seeked = !owned;
  }

  /** Everything is given away: a queued batch is fetched again by whoever owns the partition next. */
  revokeAll(): void {
    for (const s of this.parts.values()) if (s.prefetched && s.prefetched.epoch === s.epoch) this.rewind(s, s.prefetched.messages[0]!.offset);
  }

  /**
   * A new assignment. A partition keeps its position when sought before it, or when it is in
   * `retained` (owned before and after, never revoked: the consumer protocol's incremental
   * assignments); the others are looked up. States of partitions no longer assigned are dropped.
   */
  assign(partitions: readonly TopicPartition[], retained: ReadonlySet<string>): void {
    this.cancelRetries();
    const unknown: PartitionState[] = [];
    const keys = new Set<string>();
    for (const tp of partitions) {
      const s = this.state(tp);
      keys.add(s.key);
      // A retained partition keeps what it prefetched under its epoch (its position is past it).
      if (s.prefetched && s.prefetched.epoch !== s.epoch) s.prefetched = undefined;
      if (s.seeked || (retained.has(s.key) && s.position !== undefined)) {
        s.seeked = false;
        continue;
      }
      s.prefetched = undefined;
      s.position = undefined;
      unknown.push(s);
    }
    for (const [key, s] of this.parts) if (!keys.has(key) && !s.busy) this.parts.delete(key);
    this.lookUp(unknown);
  }

  /**
   * OFFSET_OUT_OF_RANGE: restarts at the log start (`fromBeginning`) or end; looked up when the
   * broker did not say. Returns the new position.
   */
  outOfRange(s: PartitionState, logStartOffset: bigint, highWatermark: bigint): bigint | undefined {
    const reset = this.fromBeginning ? logStartOffset : highWatermark;
    s.position = reset >= 0n ? reset : undefined;
    if (s.position === undefined) this.lookUp([s]);
    return s.position;
  }

  /**
   * Looks the positions of `states` up. A failure (platformatic has already retried it) is
   * reported and tried again after a back-off, for the partitions still held and still without
   * a position: otherwise they would not be read again until the next rebalance.
   */
  private lookUp(states: readonly PartitionState[], attempt = 0): void {
    this.ready = lookUpPositions(this.source(), states, this.fromBeginning)
      .catch((error: unknown) => {
        this.onError(error);
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          const again = states.filter((s) => this.parts.get(s.key) === s && s.position === undefined);
          if (again.length > 0) this.lookUp(again, attempt + 1);
        }, this.retryDelay(attempt));
        timer.unref();
        this.retries.add(timer);
      })
      .finally(() => this.onKnown());
  }

  private cancelRetries(): void {
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  clear(): void {
    this.cancelRetries();
    this.parts.clear();
  }
}
