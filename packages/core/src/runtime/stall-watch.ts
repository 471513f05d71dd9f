/**
 * Stall detection: what a consumer would otherwise do in silence. Three checks, each with its
 * own limit (`stallDetection`), each reported once per stall as its own code:
 *
 * - `HANDLER_STALLED`: a handler still running past `handlerMs` on one message or slice, its
 *   retries and back-offs included (it is not stopped: `handlerTimeoutMs` does that);
 * - `FETCH_STALLED`: a partition the member owns, not paused, with nothing queued or being
 *   handled, that received nothing for `fetchMs` while the broker holds messages past what was
 *   handed over (lag from the broker's end offsets, through a short-lived admin client);
 * - `MEMBERSHIP_LOST`: the member lost its partitions (a revocation of everything, a
 *   membership error from the client) and was not given an assignment again within `membershipMs`.
 *
 * A stall is a problem of `client.health()` until it ends: the handler returns, the partition
 * receives messages (or is revoked, paused, sought), the member is assigned partitions again.
 */
import { qiError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { ConsumedBatch, TopicPartition } from "../messages/types.js";
import { partitionKey } from "../partitioner/router.js";

/** Resolved limits, in ms; undefined turns a check off. */
export interface StallLimits {
  readonly handlerMs: number | undefined;
  readonly fetchMs: number | undefined;
  readonly membershipMs: number | undefined;
}

/** Where a partition stands at the broker, and in its group. */
export interface PartitionOffsetsAtBroker {
  /** The high watermark. */
  readonly end: bigint;
  /** The log start offset. */
  readonly start: bigint;
  /** The group's committed offset, if any. */
  readonly committed: bigint | undefined;
}

/** What the consumer lends the watch. */
export interface StallHost {
  ctx(operation: string, extra?: ErrorContext): ErrorContext;
  /** Owned partitions that could be fetch-stalled now: not paused, nothing queued or handled for them. */
  idlePartitions(): readonly TopicPartition[];
  /** True while the client is held back for every partition (a handler in flight one partition at a time, the held budget full). */
  heldBack(): boolean;
  /** Where the partitions stand at the broker (by `partitionKey`); rejects when the broker cannot say. */
  offsets(partitions: readonly TopicPartition[]): Promise<ReadonlyMap<string, PartitionOffsetsAtBroker>>;
  /** Where a partition with nothing handed over and nothing committed starts: its log start (`fromBeginning`) or its end. */
  fromBeginning(): boolean;
  /** A stall began: report it (onError, the `stalled` event, telemetry). */
  stalled(error: QiError, partitions: readonly TopicPartition[]): void;
  /** A stall ended. */
  ended(error: QiError, how: string): void;
}

interface WatchedHandler {
  readonly tp: TopicPartition;
  readonly offset: string;
  readonly started: number;
  error?: QiError;
}

/** Kafka errors that mean the member is out of its group until it rejoins. */
const MEMBERSHIP_ERRORS = new Set(["UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION", "FENCED_INSTANCE_ID", "FENCED_MEMBER_EPOCH", "UNRELEASED_INSTANCE_ID"]);

/** True when a client error says the member is out of its group. */
export function isMembershipError(error: QiError): boolean {
  return MEMBERSHIP_ERRORS.has(String(error.context.kafkaCode ?? error.code));
}

export class StallWatch {
  private readonly handlers = new Set<WatchedHandler>();
  /** Per partition, when it last received, was assigned, resumed or sought. */
  private readonly activity = new Map<string, number>();
  /** When the client was last held back for every partition. */
  private heldBackAt = 0;
  /** Per partition, the offset after the last message handed over. */
  private readonly handedOver = new Map<string, bigint>();
  private readonly fetchStalls = new Map<string, { tp: TopicPartition; error: QiError }>();
  private membership: { since: number; error?: QiError } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private lastCheck = 0;

  constructor(
    private readonly host: StallHost,
    private readonly limits: StallLimits,
  ) {}

  /** Starts the checks (at `run()`). */
  start(): void {
    this.stop();
    const enabled = [this.limits.handlerMs, this.limits.fetchMs, this.limits.membershipMs].filter((l): l is number => l !== undefined);
    if (enabled.length === 0) return;
    // A quarter of the smallest limit: a stall is seen within 1.25 times its limit.
    const every = Math.min(1000, Math.max(25, Math.floor(Math.min(...enabled) / 4)));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  /** Stops the checks and forgets every stall (disconnect, the stop policy). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.handlers.clear();
    this.fetchStalls.clear();
    this.membership = undefined;
    this.activity.clear();
    this.handedOver.clear();
  }

  /** The stalls in progress. */
  problems(): QiError[] {
    const out: QiError[] = [];
    for (const h of this.handlers) if (h.error) out.push(h.error);
    for (const s of this.fetchStalls.values()) out.push(s.error);
    if (this.membership?.error) out.push(this.membership.error);
    return out;
  }

  /** The handler starts on `offset` of `tp` (a message or batch, not copied); call the returned function when it is done with it. */
  handlerStarted(tp: TopicPartition, offset: string): () => void {
    if (this.limits.handlerMs === undefined || this.timer === undefined) return noop;
    const watched: WatchedHandler = { tp, offset, started: Date.now() };
    this.handlers.add(watched);
    return () => {
      this.handlers.delete(watched);
      if (watched.error) this.host.ended(watched.error, `the handler returned after ${Date.now() - watched.started} ms`);
    };
  }

  /** The client handed a batch over. */
  received(batch: ConsumedBatch): void {
    const key = partitionKey(batch.topic, batch.partition);
    this.activity.set(key, Date.now());
    const last = batch.messages[batch.messages.length - 1];
    if (last !== undefined) this.handedOver.set(key, BigInt(last.offset) + 1n);
    this.endFetchStall(key, "the partition received messages");
  }

  /** The partition was resumed, sought or handed over again: its idle time starts anew. */
  touched(tp: TopicPartition, soughtTo?: string): void {
    const key = partitionKey(tp.topic, tp.partition);
    this.activity.set(key, Date.now());
    if (soughtTo !== undefined) this.handedOver.set(key, BigInt(soughtTo));
    this.endFetchStall(key, "the partition was resumed or sought");
  }

  /** Some delivery started or ended while one partition at a time is handled: no partition is idle. */
  busy(): void {
    this.heldBackAt = Date.now();
  }

  /** The member was assigned `partitions` (its whole assignment). */
  assigned(partitions: readonly TopicPartition[]): void {
    const owned = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
    const now = Date.now();
    for (const key of owned) if (!this.activity.has(key)) this.activity.set(key, now);
    for (const key of [...this.activity.keys()]) if (!owned.has(key)) this.forget(key);
    const lost = this.membership;
    this.membership = undefined;
    if (lost?.error) this.host.ended(lost.error, "the member was given partitions again");
  }

  /** The partitions were revoked; `all` when the member owns nothing now (its membership may be lost). */
  revoked(partitions: readonly TopicPartition[], all: boolean): void {
    for (const p of partitions) this.forget(partitionKey(p.topic, p.partition));
    if (all) this.membershipAtRisk();
  }

  /** The client said the member is out of its group (or the member gave up everything). */
  membershipAtRisk(): void {
    if (this.limits.membershipMs !== undefined) this.membership ??= { since: Date.now() };
  }

  private forget(key: string): void {
    this.activity.delete(key);
    this.handedOver.delete(key);
    this.endFetchStall(key, "the partition was revoked");
  }

  private endFetchStall(key: string, how: string): void {
    const stall = this.fetchStalls.get(key);
    if (!stall) return;
    this.fetchStalls.delete(key);
    this.host.ended(stall.error, how);
  }

  private tick(): void {
    const now = Date.now();
    const { handlerMs, membershipMs } = this.limits;
    if (handlerMs !== undefined) {
      for (const h of this.handlers) {
        const elapsed = now - h.started;
        if (h.error || elapsed <= handlerMs) continue;
        h.error = qiError("HANDLER", "HANDLER_STALLED", `the handler of ${h.tp.topic}/${h.tp.partition} at offset ${h.offset} has run for ${elapsed} ms (stallDetection.handlerMs ${handlerMs}); it goes on (handlerTimeoutMs stops a handler)`, {
          context: this.host.ctx("consumer.handler", { topic: h.tp.topic, partition: h.tp.partition, offset: h.offset, elapsedMs: elapsed, limitMs: handlerMs }),
        });
        this.host.stalled(h.error, [{ topic: h.tp.topic, partition: h.tp.partition }]);
      }
    }
    const m = this.membership;
    if (membershipMs !== undefined && m && !m.error && now - m.since > membershipMs) {
      m.error = qiError("STATE", "MEMBERSHIP_LOST", `the member has owned no partition since it lost them ${now - m.since} ms ago and has not rejoined its group (stallDetection.membershipMs ${membershipMs})`, {
        retriable: true,
        context: this.host.ctx("consumer.group", { elapsedMs: now - m.since, limitMs: membershipMs }),
      });
      this.host.stalled(m.error, []);
    }
    this.checkFetch(now);
  }

  private idleSince(key: string): number {
    return Math.max(this.activity.get(key) ?? 0, this.heldBackAt);
  }

  /** Partitions idle past `fetchMs` get their lag from the broker: one check at a time, at most one per half limit. */
  private checkFetch(now: number): void {
    const fetchMs = this.limits.fetchMs;
    if (fetchMs === undefined) return;
    if (this.host.heldBack()) this.heldBackAt = now;
    if (this.checking || now - this.lastCheck < fetchMs / 2) return;
    const candidates = this.host.idlePartitions().filter((tp) => {
      const key = partitionKey(tp.topic, tp.partition);
      return this.activity.has(key) && !this.fetchStalls.has(key) && now - this.idleSince(key) > fetchMs;
    });
    if (candidates.length === 0) return;
    this.checking = true;
    this.lastCheck = now;
    this.host
      .offsets(candidates)
      .then((offsets) => {
        if (this.timer === undefined) return;
        const at = Date.now();
        for (const tp of candidates) {
          const key = partitionKey(tp.topic, tp.partition);
          const o = offsets.get(key);
          // Received, resumed or revoked while the broker was asked: not idle after all.
          if (!o || !this.activity.has(key) || this.idleSince(key) > now || this.fetchStalls.has(key)) continue;
          const lag = lagOf(o, this.handedOver.get(key), this.host.fromBeginning());
          if (lag === undefined) continue;
          const idle = at - this.idleSince(key);
          const error = qiError("TIMEOUT", "FETCH_STALLED", `partition ${tp.topic}/${tp.partition} has ${lag} message(s) to read but received nothing for ${idle} ms (stallDetection.fetchMs ${fetchMs})`, {
            retriable: true,
            context: this.host.ctx("consumer.fetch", { topic: tp.topic, partition: tp.partition, lag: lag.toString(), idleMs: idle, limitMs: fetchMs }),
          });
          this.fetchStalls.set(key, { tp, error });
          this.host.stalled(error, [tp]);
        }
      })
      // The broker could not say: no verdict this time; the next check asks again.
      .catch(() => undefined)
      .finally(() => (this.checking = false));
  }
}

/**
 * Messages the broker holds past where the member stands; undefined when that is not known or
 * there are none. The position is what was handed over, else the group's commit, else where a
 * new member starts. Past a message handed over or committed, one offset is not counted: the
 * commit marker a transactional producer writes after its last message takes an offset that no
 * client hands over, and would look like a stall at the tail of every transactional topic.
 */
export function lagOf(o: PartitionOffsetsAtBroker, handedOver: bigint | undefined, fromBeginning: boolean): bigint | undefined {
  const known = handedOver ?? o.committed;
  const position = known ?? (fromBeginning ? o.start : o.end);
  const lag = o.end - (position < o.start ? o.start : position);
  const tolerated = known === undefined ? 0n : 1n;
  return lag > tolerated ? lag : undefined;
}

const noop = (): void => undefined;
