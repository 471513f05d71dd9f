/**
 * The producer's memory budget (Java's `buffer.memory` and `max.block.ms`): at most `capacity`
 * bytes of calls waiting or in flight. A call beyond it waits for room, in order, up to
 * `maxBlockMs`, then fails with `BUFFER_FULL`: a definite "not written", so a loop that does not
 * await its sends cannot flood the client (kafkajs timed out every one of 300,000 such sends).
 * A call larger than the whole budget still goes once nothing else is buffered.
 *
 * A waiting call costs what the caller's own promise costs and little more: the queue holds the
 * caller's object itself (no promise, timer or closure per waiter), and one timer serves them
 * all (they wait in order with the same limit, so the oldest is always first).
 */
import { qiError, type QiError } from "../errors/qi-error.js";
import { DeadlineQueue } from "./deadlines.js";

/** A call waiting for room; the buffer sets `since` and reads `bytes`. */
export interface BufferWaiter {
  readonly bytes: number;
  /** When it started waiting (ms since the epoch). */
  since: number;
  /** Given up (by its owner) while it waited. */
  cancelled: boolean;
}

/** What the buffer does with a waiter: let it in (its room is taken), or time it out. */
export interface BufferCallbacks<W extends BufferWaiter> {
  readonly onRoom: (waiter: W) => void;
  readonly onTimeout: (waiter: W, error: QiError) => void;
}

export class ProduceBuffer<W extends BufferWaiter = BufferWaiter> {
  private used = 0;
  /** Waiting calls, oldest first, from `head` on (no `shift`: that is O(n) per call). */
  private waiting: W[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** `whenRoom` callers: let in once nothing waits and the buffer is below capacity. */
  private drains: (() => void)[] = [];
  private readonly drainDeadlines: DeadlineQueue;

  constructor(
    private readonly capacity: number,
    private readonly maxBlockMs: number,
    private readonly callbacks: BufferCallbacks<W>,
  ) {
    this.drainDeadlines = new DeadlineQueue(maxBlockMs);
  }

  /** Takes room for `bytes` at once when nothing waits and it fits (true); else takes nothing (false). */
  tryTake(bytes: number): boolean {
    if (this.head < this.waiting.length || !this.fits(bytes)) return false;
    this.used += bytes;
    return true;
  }

  /** Queues a call that found no room; `onRoom` or `onTimeout` follows. */
  wait(waiter: W): void {
    waiter.since = Date.now();
    this.waiting.push(waiter);
    this.timer ??= setTimeout(() => this.expire(), this.maxBlockMs);
  }

  /** Calls still waiting, oldest first, taken out of the queue (a closing producer refuses them). */
  takeWaiting(): W[] {
    const out = this.waiting.slice(this.head).filter((w) => !w.cancelled);
    this.waiting = [];
    this.head = 0;
    this.stopTimer();
    return out;
  }

  /** Calls waiting for room. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /** True when a send now gets room at once (nothing waits, the buffer is below capacity). */
  hasRoom(): boolean {
    return this.head === this.waiting.length && this.used < this.capacity;
  }

  /** Resolves once `hasRoom()` holds; `BUFFER_FULL` after `maxBlockMs`. */
  whenRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    let let_in!: () => void;
    const room = new Promise<void>((resolve) => (let_in = resolve));
    this.drains.push(let_in);
    return this.drainDeadlines.bound(room, () => {
      this.drains = this.drains.filter((d) => d !== let_in);
      return qiError("TIMEOUT", "BUFFER_FULL", `no room in the producer's ${this.capacity}-byte buffer within ${this.maxBlockMs} ms`, { retriable: true });
    });
  }

  /** Gives back what a settled call took, and lets waiting calls in, in order. */
  give(bytes: number): void {
    this.used -= bytes;
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      if (!next.cancelled && !this.fits(next.bytes)) break;
      this.head++;
      if (next.cancelled) continue;
      this.used += next.bytes;
      this.callbacks.onRoom(next);
    }
    this.compact();
    if (this.drains.length > 0 && this.hasRoom()) {
      const drains = this.drains;
      this.drains = [];
      for (const d of drains) d();
    }
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.capacity;
  }

  /** Fails, in order, every waiter whose `maxBlockMs` passed; re-arms for the next. */
  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.head < this.waiting.length) {
      const w = this.waiting[this.head]!;
      if (!w.cancelled && w.since + this.maxBlockMs > now) break;
      this.head++;
      if (w.cancelled) continue;
      this.callbacks.onTimeout(
        w,
        qiError("TIMEOUT", "BUFFER_FULL", `no room in the producer's ${this.capacity}-byte buffer within ${this.maxBlockMs} ms; the message was not written`, { retriable: true }),
      );
    }
    this.compact();
    if (this.head < this.waiting.length) this.timer = setTimeout(() => this.expire(), Math.max(1, this.waiting[this.head]!.since + this.maxBlockMs - now));
  }

  private compact(): void {
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
      this.stopTimer();
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
