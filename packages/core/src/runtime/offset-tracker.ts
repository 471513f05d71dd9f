/**
 * A partition's messages handed to handlers that may finish in any order (`by: "key"`), and the
 * offset that is safe to commit: the first message not finished, or one past the last when all
 * are. A commit never passes a message whose handler has not succeeded, so a crash re-delivers
 * every unfinished message (and perhaps some finished after it: at-least-once).
 */
export class OffsetTracker {
  /** Offsets in the order handed over (increasing), from `head` on not yet committable. */
  private offsets: bigint[] = [];
  private head = 0;
  private readonly finished = new Set<bigint>();
  /** The next offset to commit last reported by `advance`, or undefined. */
  private committable: bigint | undefined;

  /** The last offset tracked, or undefined when none is. */
  get last(): bigint | undefined {
    return this.offsets.length > 0 ? this.offsets[this.offsets.length - 1] : undefined;
  }

  /** Tracks a message handed to a handler; an offset not above the last is ignored (false). */
  add(offset: bigint): boolean {
    const last = this.last;
    if (last !== undefined && offset <= last) return false;
    this.offsets.push(offset);
    return true;
  }

  /** The message's handler succeeded (or the failure policy let it pass). */
  finish(offset: bigint): void {
    this.finished.add(offset);
  }

  /** Forgets every message at or after `offset` (taken back to be fetched again). */
  truncate(offset: bigint): void {
    let end = this.offsets.length;
    while (end > this.head && this.offsets[end - 1]! >= offset) {
      this.finished.delete(this.offsets[end - 1]!);
      end--;
    }
    this.offsets.length = end;
  }

  /** Messages tracked and not yet committable. */
  get open(): number {
    return this.offsets.length - this.head;
  }

  /**
   * The next offset to commit when it moved since the last call (decimal string), else
   * undefined: the first unfinished message's, or one past the last when every one finished.
   */
  advance(): string | undefined {
    let moved = false;
    while (this.head < this.offsets.length && this.finished.has(this.offsets[this.head]!)) {
      this.finished.delete(this.offsets[this.head]!);
      this.head++;
      moved = true;
    }
    if (!moved) return undefined;
    const next = this.head < this.offsets.length ? this.offsets[this.head]! : this.offsets[this.head - 1]! + 1n;
    // Keep the last committable offset so `last` still guards against re-handing it over.
    if (this.head > 4096) {
      this.offsets = this.offsets.slice(this.head - 1);
      this.head = 1;
    }
    if (this.committable === next) return undefined;
    this.committable = next;
    return next.toString();
  }
}
