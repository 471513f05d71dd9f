/**
 * The producer's memory budget (Java's `buffer.memory` and `max.block.ms`): at most `capacity`
 * bytes of records waiting or in flight. A send beyond it waits for room, in order, up to
 * `maxBlockMs`, then fails with `BUFFER_FULL`: a definite "not written", so a loop that does not
 * await its sends cannot flood the client (kafkajs timed out every one of 300,000 such sends).
 * A send larger than the whole budget still goes once nothing else is buffered.
 */
import { qiError } from "../errors/qi-error.js";
import { DeadlineQueue } from "./deadlines.js";

interface Waiter {
  readonly bytes: number;
  readonly go: () => void;
  cancelled: boolean;
  granted: boolean;
  /** A `whenRoom` waiter: goes once the buffer is below capacity, takes nothing. */
  belowCapacity?: boolean;
}

export class ProduceBuffer {
  private used = 0;
  private readonly waiting: Waiter[] = [];
  private readonly deadlines: DeadlineQueue;

  constructor(
    private readonly capacity: number,
    private readonly maxBlockMs: number,
  ) {
    this.deadlines = new DeadlineQueue(maxBlockMs);
  }

  /**
   * Takes room for `bytes`: undefined when taken at once (no promise on the hot path), else the
   * wait for room and a way to give up waiting (then no room is taken).
   */
  take(bytes: number): { readonly room: Promise<void>; readonly cancel: () => boolean } | undefined {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.used += bytes;
      return undefined;
    }
    let waiter!: Waiter;
    const room = new Promise<void>((resolve) => {
      waiter = { bytes, cancelled: false, granted: false, go: resolve };
    });
    this.waiting.push(waiter);
    const bounded = this.deadlines.bound(room, () => {
      waiter.cancelled = true;
      return qiError("TIMEOUT", "BUFFER_FULL", `no room in the producer's ${this.capacity}-byte buffer within ${this.maxBlockMs} ms; the message was not written`, { retriable: true });
    });
    return {
      room: bounded,
      /** True when it was still waiting; false when the room was already given (the caller holds it). */
      cancel: () => {
        if (waiter.granted) return false;
        waiter.cancelled = true;
        this.give(0);
        return true;
      },
    };
  }

  /** True when a send now gets room at once (nothing waits, the buffer is below capacity). */
  hasRoom(): boolean {
    return this.waiting.length === 0 && this.used < this.capacity;
  }

  /** Resolves once `hasRoom()` holds; `BUFFER_FULL` after `maxBlockMs`. */
  whenRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    let waiter!: Waiter;
    // A waiter for zero bytes: let in, in order, once what is ahead of it fits and the buffer is below capacity.
    const room = new Promise<void>((resolve) => {
      waiter = { bytes: 0, cancelled: false, granted: false, go: resolve, belowCapacity: true };
    });
    this.waiting.push(waiter);
    return this.deadlines.bound(room, () => {
      waiter.cancelled = true;
      this.give(0);
      return qiError("TIMEOUT", "BUFFER_FULL", `no room in the producer's ${this.capacity}-byte buffer within ${this.maxBlockMs} ms`, { retriable: true });
    });
  }

  /** Gives back what a settled send took, and lets waiting sends in, in order. */
  give(bytes: number): void {
    this.used -= bytes;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (next.cancelled) {
        this.waiting.shift();
        continue;
      }
      if (next.belowCapacity ? this.used >= this.capacity : !this.fits(next.bytes)) return;
      this.waiting.shift();
      this.used += next.bytes;
      next.granted = true;
      next.go();
    }
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.capacity;
  }
}
