/**
 * Work in lanes, up to `limit` units running at once, one unit per lane at a time, each lane's
 * units in the order they were pushed. `run({ concurrency })` makes a lane of each partition
 * (`by: "partition"`) or of each key of a partition (`by: "key"`): order within a lane is the
 * order the contract keeps; different lanes run side by side. Lanes start in the order they
 * became ready, so no partition or key waits behind another's backlog.
 */

interface Lane<U> {
  readonly units: U[];
  /** A unit of the lane is running. */
  busy: boolean;
  /** The lane is in the ready queue. */
  queued: boolean;
  /** The partition the lane belongs to (`partitionKey`). */
  readonly partition: string;
  /** The lane's own key. */
  readonly key: string;
}

export class LaneScheduler<U> {
  private readonly lanes = new Map<string, Lane<U>>();
  /** Lanes whose first unit may start, in the order they became ready. */
  private ready: Lane<U>[] = [];
  private readyHead = 0;
  private running = 0;
  private closed = false;

  /**
   * @param limit most units running at once
   * @param start runs a unit; the promise settles when it ended (it must not reject)
   */
  constructor(
    private readonly limit: number,
    private readonly start: (unit: U) => Promise<void>,
  ) {}

  /** Units running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Queues a unit at the end of its lane and starts what may start. */
  push(partition: string, lane: string, unit: U): void {
    let l = this.lanes.get(lane);
    if (!l) this.lanes.set(lane, (l = { units: [], busy: false, queued: false, partition, key: lane }));
    l.units.push(unit);
    this.enqueue(l);
    this.pump();
  }

  /**
   * Takes back the units not started of the partitions `partition` names (those `unit` keeps,
   * when given); returns them, in no particular order.
   */
  drop(partition: (partition: string) => boolean, unit?: (unit: U) => boolean): U[] {
    const taken: U[] = [];
    for (const [key, lane] of this.lanes) {
      if (!partition(lane.partition)) continue;
      if (unit === undefined) taken.push(...lane.units.splice(0));
      else {
        const kept = lane.units.filter((u) => !unit(u));
        if (kept.length !== lane.units.length) taken.push(...lane.units.filter(unit));
        lane.units.splice(0, lane.units.length, ...kept);
      }
      if (!lane.busy && lane.units.length === 0) this.lanes.delete(key);
    }
    return taken;
  }

  /** Starts nothing more (the consumer is closing or stopped). */
  close(): void {
    this.closed = true;
  }

  /** Starts units again after `close()` (a new `run()`). */
  open(): void {
    this.closed = false;
    this.pump();
  }

  private enqueue(lane: Lane<U>): void {
    if (lane.busy || lane.queued || lane.units.length === 0) return;
    lane.queued = true;
    this.ready.push(lane);
  }

  private pump(): void {
    while (!this.closed && this.running < this.limit && this.readyHead < this.ready.length) {
      const lane = this.ready[this.readyHead++]!;
      lane.queued = false;
      const unit = lane.units.shift();
      if (unit === undefined) continue; // dropped since it became ready
      lane.busy = true;
      this.running++;
      void this.start(unit).then(() => this.finished(lane));
    }
    // Compact the queue once its consumed head is long.
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  private finished(lane: Lane<U>): void {
    this.running--;
    lane.busy = false;
    if (lane.units.length > 0) this.enqueue(lane);
    // An idle, empty lane is forgotten (keys come and go); a unit pushed later makes it anew.
    else if (this.lanes.get(lane.key) === lane) this.lanes.delete(lane.key);
    this.pump();
  }
}
