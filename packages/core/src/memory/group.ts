/**
 * A consumer group in the memory cluster: members, the assignment (Kafka's range assignor, per
 * topic), rebalances when a member joins or leaves or a topic changes, and committed offsets.
 * Rebalances are incremental and serialised: a partition is first revoked from its owner (who
 * finishes its in-flight work and commits), then assigned to the next one, so nothing is
 * handled twice by two live members.
 */
import { partitionKey as tpKey } from "../partitioner/router.js";
import type { TopicPartition, TopicPartitionOffset } from "../messages/types.js";

export interface GroupMember {
  readonly id: string;
  readonly topics: readonly string[];
  /** Stop handing out these partitions; resolve once in-flight work on them is done and committed. */
  revoke(partitions: readonly TopicPartition[]): Promise<void>;
  /** The member now also owns these partitions. */
  assign(partitions: readonly TopicPartition[]): void;
}


export class MemoryGroup {
  /** Next offset to read, per partition. */
  readonly committed = new Map<string, TopicPartitionOffset>();
  private readonly members = new Map<string, GroupMember>();
  private owned = new Map<string, TopicPartition[]>();
  private queue: Promise<void> = Promise.resolve();
  generation = 0;

  constructor(
    readonly groupId: string,
    private readonly partitionCount: (topic: string) => number | undefined,
  ) {}

  get size(): number {
    return this.members.size;
  }

  join(member: GroupMember): Promise<void> {
    this.members.set(member.id, member);
    return this.rebalance();
  }

  leave(memberId: string): Promise<void> {
    // The leaving member has already finished and committed; it gives everything up.
    this.owned.delete(memberId);
    this.members.delete(memberId);
    return this.rebalance();
  }

  commit(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.committed.set(tpKey(o.topic, o.partition), { ...o });
  }

  forgetTopic(topic: string): void {
    for (const [k, v] of this.committed) if (v.topic === topic) this.committed.delete(k);
  }

  subscribes(topic: string): boolean {
    for (const m of this.members.values()) if (m.topics.includes(topic)) return true;
    return false;
  }

  /** Recomputes the assignment; serialised so two rebalances never interleave. */
  rebalance(): Promise<void> {
    const run = this.queue.then(() => this.apply());
    this.queue = run.catch(() => {});
    return run;
  }

  private target(): Map<string, TopicPartition[]> {
    const result = new Map<string, TopicPartition[]>();
    const ids = [...this.members.keys()].sort();
    for (const id of ids) result.set(id, []);
    const topics = new Set<string>();
    for (const m of this.members.values()) for (const t of m.topics) topics.add(t);
    for (const topic of [...topics].sort()) {
      const count = this.partitionCount(topic);
      if (count === undefined) continue;
      const subscribers = ids.filter((id) => this.members.get(id)!.topics.includes(topic));
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      let next = 0;
      subscribers.forEach((id, i) => {
        const n = per + (i < extra ? 1 : 0);
        for (let p = next; p < next + n; p++) result.get(id)!.push({ topic, partition: p });
        next += n;
      });
    }
    return result;
  }

  private async apply(): Promise<void> {
    const target = this.target();
    const has = (list: readonly TopicPartition[] | undefined, tp: TopicPartition): boolean =>
      (list ?? []).some((x) => x.topic === tp.topic && x.partition === tp.partition);
    // Revoke first, and wait: the owner finishes its in-flight handler and commits.
    await Promise.all(
      [...this.owned].map(async ([id, current]) => {
        const member = this.members.get(id);
        const lost = current.filter((tp) => !has(target.get(id), tp));
        if (member && lost.length > 0) await member.revoke(lost);
      }),
    );
    this.generation++;
    for (const [id, tps] of target) {
      const member = this.members.get(id);
      const gained = tps.filter((tp) => !has(this.owned.get(id), tp));
      if (member && gained.length > 0) member.assign(gained);
    }
    this.owned = target;
  }
}
