/**
 * A consumer's rebalance and lifecycle events: one typed emitter, the same names, payloads and
 * order on every connector (the drivers only say when partitions arrive, leave, or the member
 * crashed; core decides what that means). Each event is also logged at info and counted.
 *
 * Order for one member: `joined` (once per `run()`, with the first assignment), then
 * `assigned`; at each rebalance `revoked` (before the partitions move: after their in-flight
 * handlers finished, and before their offsets are committed) then `assigned` with what it owns
 * next; `stalled` when stall detection sees a handler, a fetch or the membership stall (see
 * `stallDetection`); `stopped` when a failure policy stops it; `crashed` when the client gave
 * up; `left` after `disconnect()` left the group.
 */
import type { QiError } from "../errors/qi-error.js";
import type { Logger } from "../logger.js";
import type { TopicPartition } from "../messages/types.js";

/** The partitions an `assigned` or `revoked` event is about. */
export interface PartitionsEvent {
  /** The partitions, by topic and partition. */
  readonly partitions: readonly TopicPartition[];
}

/** `joined`: the member joined its group after `run()`. */
export interface JoinedEvent {
  /** The group. */
  readonly groupId: string;
  /** What the member owns first. */
  readonly assignment: readonly TopicPartition[];
}

/** `stopped`: the failure policy `"stop"` stopped the member. */
export interface StoppedEvent {
  /** The handler's error on the message it stopped at (`context` has its topic, partition and offset). */
  readonly error: QiError;
  /** The partition of that message. */
  readonly partitions: readonly TopicPartition[];
}

/** `stalled`: a handler ran past `stallDetection.handlerMs`, a partition with lag received nothing for `fetchMs`, or the member lost its group for `membershipMs`. */
export interface StalledEvent {
  /** `HANDLER_STALLED`, `FETCH_STALLED` or `MEMBERSHIP_LOST`; `context` says where and for how long. */
  readonly error: QiError;
  /** The partition of the stalled handler or fetch; none for `MEMBERSHIP_LOST`. */
  readonly partitions: readonly TopicPartition[];
}

/** `crashed`: the client stopped consuming for good. */
export interface CrashedEvent {
  /** Why. */
  readonly error: QiError;
}

/** `left`: the member left its group. */
export interface LeftEvent {
  /** The group. */
  readonly groupId: string;
}

/** Each event's payload, by name. */
export interface ConsumerEventMap {
  /** The member joined its group after `run()` (once per `run()`). */
  readonly joined: JoinedEvent;
  /** Partitions given to the member (its whole new assignment after a rebalance). */
  readonly assigned: PartitionsEvent;
  /**
   * Partitions about to be taken away: their handlers have finished, their offsets are not yet
   * committed. A listener may return a promise (flush state, produce); it is awaited, up to
   * `closeTimeoutMs`, before the offsets are committed and the partitions move.
   */
  readonly revoked: PartitionsEvent;
  /** A stall began (once per stall; it ends when the handler returns, the partition receives, the member is assigned again). */
  readonly stalled: StalledEvent;
  /** The failure policy `"stop"` stopped the member: nothing after the failed message is handled. */
  readonly stopped: StoppedEvent;
  /** The client stopped consuming for good on this error (it will not recover by itself). */
  readonly crashed: CrashedEvent;
  /** The member left its group (`disconnect()`). */
  readonly left: LeftEvent;
}

/** An event's name. */
export type ConsumerEventName = keyof ConsumerEventMap;

/** A listener; only a `revoked` listener's promise is awaited. */
export type ConsumerEventListener<E extends ConsumerEventName> = (payload: ConsumerEventMap[E]) => void | Promise<void>;

/** The events' names, in the order of a member's life. */
export const CONSUMER_EVENTS: readonly ConsumerEventName[] = ["joined", "assigned", "revoked", "stalled", "stopped", "crashed", "left"];

const partitionsText = (tps: readonly TopicPartition[]): string => tps.map((tp) => `${tp.topic}/${tp.partition}`).join(", ") || "none";

export class ConsumerEvents {
  private readonly listeners = new Map<ConsumerEventName, Set<ConsumerEventListener<never>>>();

  constructor(
    private readonly groupId: string,
    private readonly logger: Logger,
    private readonly count: (event: ConsumerEventName) => void,
  ) {}

  /** Adds a listener; returns the function that removes it. */
  on<E extends ConsumerEventName>(event: E, listener: ConsumerEventListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as ConsumerEventListener<never>;
    set.add(l);
    return () => void set.delete(l);
  }

  /**
   * Logs, counts and calls the listeners in the order they were added; resolves once every
   * listener's promise settled or `awaitMs` passed (0: not awaited). Never rejects: a
   * listener's failure is logged and changes nothing.
   */
  async emit<E extends ConsumerEventName>(event: E, payload: ConsumerEventMap[E], awaitMs = 0): Promise<void> {
    this.log(event, payload);
    try {
      this.count(event);
    } catch {
      // Telemetry never breaks consumption.
    }
    const pending: Promise<unknown>[] = [];
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        const r = (listener as ConsumerEventListener<E>)(payload);
        if (r && typeof (r as Promise<void>).then === "function") pending.push(Promise.resolve(r).catch((e: unknown) => this.failed(event, e)));
      } catch (error) {
        this.failed(event, error);
      }
    }
    if (pending.length === 0 || awaitMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([Promise.all(pending).then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), awaitMs)))]).finally(() => clearTimeout(timer));
    if (!done) this.logger.warn(`consumer event ${event}: a listener still running after ${awaitMs} ms (closeTimeoutMs); the partitions move on`, { groupId: this.groupId });
  }

  private failed(event: ConsumerEventName, error: unknown): void {
    this.logger.warn(`consumer event ${event}: a listener failed: ${error instanceof Error ? error.message : String(error)}`, { groupId: this.groupId });
  }

  private log(event: ConsumerEventName, payload: ConsumerEventMap[ConsumerEventName]): void {
    const p = payload as Partial<{ assignment: readonly TopicPartition[]; partitions: readonly TopicPartition[]; error: QiError }>;
    const detail = p.assignment ? partitionsText(p.assignment) : p.partitions ? partitionsText(p.partitions) : p.error ? `${p.error.code}: ${p.error.message}` : "";
    this.logger.info(`consumer ${event}${detail ? `: ${detail}` : ""}`, { groupId: this.groupId, event });
  }
}
