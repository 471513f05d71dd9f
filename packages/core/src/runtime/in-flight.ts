/**
 * The consumer's deliveries in progress, by partition: what a revocation and `disconnect()` wait
 * for (bounded), and how to let the client go on without the ones that outran the bound.
 */

interface Delivery {
  /** The partition (`partitionKey`). */
  readonly key: string;
  /** Lets the client's await of this delivery end without it. */
  readonly release: () => void;
}

export class InFlight {
  private readonly deliveries = new Map<Promise<void>, Delivery>();
  /** Bumped when deliveries are abandoned: what they do after that is neither committed nor acted on. */
  private gen = 0;

  /** Deliveries in progress. */
  get size(): number {
    return this.deliveries.size;
  }

  /** Read before a delivery's work; a different value after it means the delivery was abandoned. */
  get generation(): number {
    return this.gen;
  }

  /** The partitions (`partitionKey`) with a delivery in progress; of `among` only, when given. */
  partitions(among?: ReadonlySet<string>): string[] {
    return [...new Set([...this.deliveries.values()].map((d) => d.key).filter((k) => among?.has(k) ?? true))];
  }

  /**
   * Runs `delivery` (which must not reject) as one of partition `key`; resolves when it ends, or
   * when it is abandoned.
   */
  track(key: string, delivery: Promise<void>): Promise<void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.deliveries.set(delivery, { key, release });
    return Promise.race([delivery.finally(() => this.deliveries.delete(delivery)), released]);
  }

  /**
   * Resolves once no delivery (of the partitions `keys` names, or of any) is in progress: true,
   * or false when `ms` passed first.
   */
  async idle(keys?: ReadonlySet<string>, ms?: number): Promise<boolean> {
    const deadline = ms === undefined ? undefined : Date.now() + ms;
    for (;;) {
      const running = [...this.deliveries].filter(([, d]) => keys?.has(d.key) ?? true).map(([p]) => p);
      if (running.length === 0) return true;
      if (deadline === undefined) await Promise.allSettled(running);
      else {
        const rest = deadline - Date.now();
        if (rest <= 0) return false;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          Promise.allSettled(running).then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), rest))),
        ]).finally(() => clearTimeout(timer));
        if (timedOut) return false;
      }
    }
  }

  /** Gives up on every delivery in progress (the client goes on without them); returns their partitions. */
  abandonAll(): string[] {
    const partitions = this.partitions();
    if (partitions.length === 0) return partitions;
    this.gen++;
    for (const [delivery, d] of [...this.deliveries]) {
      this.deliveries.delete(delivery);
      d.release();
    }
    return partitions;
  }
}
