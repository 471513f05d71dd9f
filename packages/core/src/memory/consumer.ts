/**
 * The memory connector's consumer: a group member with a fetch loop. It hands core one batch
 * of one partition at a time, round-robin over the partitions it owns and has not paused.
 */
import type { BatchSink, ConsumerDriver } from "../connector.js";
import type { ResolvedConsumerConfig } from "../config/roles.js";
import { partitionKey as tpKey } from "../partitioner/router.js";
import { qiError, stateError } from "../errors/qi-error.js";
import type { TopicPartition, TopicPartitionOffset } from "../messages/types.js";
import type { MemoryCluster } from "./cluster.js";
import type { GroupMember, MemoryGroup } from "./group.js";
import { Signal } from "./signal.js";

export class MemoryConsumerDriver implements ConsumerDriver {
  private readonly group: MemoryGroup;
  private readonly memberId: string;
  private readonly maxBatch: number;
  private readonly isolation: ResolvedConsumerConfig["isolationLevel"];
  private topics: readonly string[] = [];
  private fromBeginning = false;
  /** Owned partitions and the next offset to fetch from each. */
  private readonly positions = new Map<string, { tp: TopicPartition; offset: number }>();
  private readonly paused = new Set<string>();
  private readonly wake = new Signal();
  private sink: BatchSink | undefined;
  private loop: Promise<void> | undefined;
  private stopped = true;
  private joined = false;
  /** Set by `crashForTesting`: the cluster answers this member nothing from then on. */
  private crashed = false;
  private cursor = 0;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly cluster: MemoryCluster,
    private readonly clientId: string,
    config: ResolvedConsumerConfig,
    /** With `autoCreateTopics`, subscribing to a missing topic creates it (one partition), as the producer does. */
    private readonly autoCreateTopics = false,
  ) {
    this.group = cluster.group(config.groupId);
    this.memberId = `${clientId}-${String(cluster.nextMemberNumber()).padStart(9, "0")}`;
    // A fetch reads at most one slice, as a client fetches a bounded number of bytes.
    this.maxBatch = config.maxBatchSize;
    this.isolation = config.isolationLevel;
  }

  async connect(): Promise<void> {}

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    if (this.autoCreateTopics) {
      for (const topic of topics) if (!this.cluster.hasTopic(topic)) this.cluster.createTopic({ topic, numPartitions: 1, replicationFactor: 1, configs: {} });
    }
    this.topics = [...topics];
    this.fromBeginning = fromBeginning;
  }

  async start(sink: BatchSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    this.unwatch = this.cluster.watch(this.wake);
    this.joined = true;
    await this.group.join(this.member());
    // Core's sink never rejects; should the loop fail all the same, it is reported, never unhandled.
    this.loop = this.fetchLoop().catch((error: unknown) => this.sink?.error(error));
  }

  private member(): GroupMember {
    return {
      id: this.memberId,
      clientId: this.clientId,
      topics: this.topics,
      revoke: async (partitions) => {
        const keys = partitions.map((p) => tpKey(p.topic, p.partition));
        for (const k of keys) this.positions.delete(k);
        // Core waits for its deliveries of these partitions, then commits them.
        await this.sink?.revoked(partitions);
        for (const k of keys) this.paused.delete(k);
      },
      assign: (partitions, all) => {
        for (const tp of partitions) {
          const committed = this.group.committed.get(tpKey(tp.topic, tp.partition));
          // fromBeginning applies only when the group has no committed offset.
          const offset = committed ? Number(committed.offset) : this.resetOffset(tp);
          this.positions.set(tpKey(tp.topic, tp.partition), { tp, offset });
        }
        // Core emits joined / assigned with the whole assignment, before any of its messages is fetched.
        this.sink?.assigned(all);
        this.wake.notify();
      },
    };
  }

  /** Where a partition without a usable offset starts: the log start or the end, as `auto.offset.reset` earliest or latest. */
  private resetOffset(tp: TopicPartition): number {
    return this.fromBeginning ? this.cluster.startOffset(tp.topic, tp.partition) : this.cluster.endOffset(tp.topic, tp.partition);
  }

  private nextBatch(): { tp: TopicPartition; from: number } | undefined {
    const owned = [...this.positions.entries()];
    for (let i = 0; i < owned.length; i++) {
      const [key, pos] = owned[(this.cursor + i) % owned.length]!;
      if (this.paused.has(key)) continue;
      const end = this.cluster.endOffset(pos.tp.topic, pos.tp.partition);
      // An offset outside the log (before a log start that deleteRecords raised, or past the
      // end: a commit or seek beyond it) is what Kafka answers OFFSET_OUT_OF_RANGE to, and the
      // client resets it by its auto.offset.reset: the log start with fromBeginning, else the end.
      if (pos.offset < this.cluster.startOffset(pos.tp.topic, pos.tp.partition) || pos.offset > end) pos.offset = this.resetOffset(pos.tp);
      // read_committed reads up to the last stable offset only (the first open transaction's record).
      if (pos.offset < this.cluster.readableEnd(pos.tp.topic, pos.tp.partition, this.isolation)) {
        this.cursor = (this.cursor + i + 1) % owned.length;
        return { tp: pos.tp, from: pos.offset };
      }
    }
    return undefined;
  }

  private async fetchLoop(): Promise<void> {
    while (!this.stopped) {
      const next = this.nextBatch();
      if (!next) {
        await this.wake.wait();
        continue;
      }
      const read = this.cluster.read(next.tp.topic, next.tp.partition, next.from, this.maxBatch, this.isolation);
      const pos = this.positions.get(tpKey(next.tp.topic, next.tp.partition));
      // A fetch advances the position, past transaction markers and (read_committed) aborted records too.
      if (pos) pos.offset = read.next;
      const highWatermark = String(this.cluster.endOffset(next.tp.topic, next.tp.partition));
      if (read.messages.length > 0) await this.sink!.deliver({ topic: next.tp.topic, partition: next.tp.partition, messages: read.messages, highWatermark });
      // Let producers and timers run between batches, as a network fetch would.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.wake.notify();
    await this.loop;
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    // The coordinator refuses a commit from a member it dropped, as Kafka refuses a dead member's generation.
    if (this.crashed) throw qiError("STATE", "UNKNOWN_MEMBER_ID", `member "${this.memberId}" is not in group "${this.group.groupId}" (it crashed): the commit is refused`, { context: { kafkaCode: "UNKNOWN_MEMBER_ID", kafkaErrorCode: 25 } });
    this.group.commit(offsets);
  }

  async seek(partition: TopicPartition, offset: string): Promise<void> {
    const pos = this.positions.get(tpKey(partition.topic, partition.partition));
    if (!pos) throw stateError("PARTITION_NOT_ASSIGNED", `partition ${partition.partition} of "${partition.topic}" is not assigned to this consumer`, { ...partition });
    pos.offset = Number(offset);
    this.wake.notify();
  }

  async pause(partitions: readonly TopicPartition[]): Promise<void> {
    for (const p of partitions) this.paused.add(tpKey(p.topic, p.partition));
  }

  async resume(partitions: readonly TopicPartition[]): Promise<void> {
    for (const p of partitions) this.paused.delete(tpKey(p.topic, p.partition));
    this.wake.notify();
  }

  assignment(): readonly TopicPartition[] {
    return [...this.positions.values()].map((p) => p.tp);
  }

  async disconnect(): Promise<void> {
    await this.stop();
    if (this.joined) {
      this.joined = false;
      this.positions.clear();
      await this.group.leave(this.memberId);
    }
  }

  native(): unknown {
    return this.cluster;
  }

  /**
   * FOR TESTS ONLY, not a feature (reached through `MemoryCluster.crashConsumerForTesting`): this
   * member dies as a SIGKILLed client process does, so the conformance suite's crash test runs in
   * one process. The coordinator drops it at once (its session timeout, cut short), with no
   * commit and no revocation to core; the other members rebalance. From then on the cluster
   * answers it nothing: no more fetches, every commit refused (`UNKNOWN_MEMBER_ID`). Handlers
   * core is already running finish, and nothing of theirs reaches the cluster.
   */
  crashForTesting(): void {
    if (this.crashed) return;
    this.crashed = true;
    this.stopped = true;
    this.unwatch?.();
    this.wake.notify();
    this.positions.clear();
    this.paused.clear();
    if (this.joined) {
      this.joined = false;
      // Leaving drops the member before anything is revoked from it; only the survivors hear of the rebalance.
      void this.group.leave(this.memberId);
    }
  }
}
