/**
 * The consumer's commit pipeline: the next offset to commit per partition (processed, not yet
 * committed), and one commit in flight per partition. Offsets processed while a commit
 * travels go in the next one, so a fast handler does not wait a broker round trip per slice.
 */
import type { TopicPartitionOffset } from "../messages/types.js";
import { partitionKey } from "../partitioner/router.js";

export class CommitPipeline {
  /** Next offset to commit per partition: processed but not yet committed. */
  private readonly processed = new Map<string, TopicPartitionOffset>();
  /** Per partition, the commit loop in flight. */
  private readonly committing = new Map<string, Promise<void>>();
  /**
   * Per partition, the last commit handed to the driver (or waiting to be): every commit, the
   * loop's and `commitOffsets()`'s alike, waits for the ones before it on its partitions, so
   * one commit is in flight per partition (a client that confirms its commit by reading the
   * committed offset back would otherwise see another commit's offset and wait in vain).
   */
  private readonly lastCommit = new Map<string, Promise<void>>();

  /**
   * @param commit writes offsets to the broker (the consumer driver's `commit`)
   * @param report receives a failed commit (the offsets stay pending and go with the next one)
   */
  constructor(
    private readonly commit: (offsets: readonly TopicPartitionOffset[]) => Promise<void>,
    private readonly report: (error: unknown, tp: { topic: string; partition: number }) => void,
  ) {}

  /** Records a partition's next offset to read as processed. */
  processedUpTo(tpo: TopicPartitionOffset): void {
    this.processed.set(partitionKey(tpo.topic, tpo.partition), tpo);
  }

  /** Forgets a partition's pending offset (after a seek, the position is the user's). */
  forget(topic: string, partition: number): void {
    this.processed.delete(partitionKey(topic, partition));
  }

  /** Forgets every pending offset. */
  clear(): void {
    this.processed.clear();
  }

  /** Every pending offset. */
  pending(): TopicPartitionOffset[] {
    return [...this.processed.values()];
  }

  /** Commits pending offsets (all, or those `filter` keeps); rejects when the commit fails. */
  async commitPending(filter?: (o: TopicPartitionOffset) => boolean): Promise<void> {
    await this.commitThese(this.pending().filter((o) => filter?.(o) ?? true));
  }

  /** Commits the given offsets; the pending ones they match are done. Rejects when the commit fails. */
  async commitThese(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const keys = [...new Set(offsets.map((o) => partitionKey(o.topic, o.partition)))];
    const before: Promise<void>[] = [];
    for (const k of keys) {
      const previous = this.lastCommit.get(k);
      if (previous) before.push(previous);
    }
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    for (const k of keys) this.lastCommit.set(k, mine);
    try {
      // These never reject: each resolves once its commit ended, whatever the outcome.
      if (before.length > 0) await Promise.all(before);
      await this.commit(offsets);
      for (const o of offsets) {
        const key = partitionKey(o.topic, o.partition);
        if (this.processed.get(key) === o) this.processed.delete(key);
      }
    } finally {
      release();
      for (const k of keys) if (this.lastCommit.get(k) === mine) this.lastCommit.delete(k);
    }
  }

  /** Commits a partition's pending offset in the background (one loop per partition). Never rejects. */
  schedule(topic: string, partition: number): Promise<void> {
    const key = partitionKey(topic, partition);
    const inFlight = this.committing.get(key);
    if (inFlight) return inFlight; // the loop below picks up the newest offset
    const loop = (async (): Promise<void> => {
      try {
        for (let tpo = this.processed.get(key); tpo !== undefined; tpo = this.processed.get(key)) {
          const current = tpo;
          await this.commitThese([current]);
          // Unchanged means committed; a newer one goes next.
          if (this.processed.get(key) === current) return;
        }
      } catch (error) {
        this.report(error, { topic, partition });
      } finally {
        this.committing.delete(key);
      }
    })();
    this.committing.set(key, loop);
    return loop;
  }

  /** Resolves once the partition's commit in flight (if any) ended. */
  settled(topic: string, partition: number): Promise<void> {
    return this.committing.get(partitionKey(topic, partition)) ?? Promise.resolve();
  }
}
