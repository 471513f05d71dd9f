/**
 * A consumer group in the memory cluster: members, the assignment (Kafka's round-robin
 * assignor, "roundrobin", the protocol every connector's group uses), rebalances when a member
 * joins or leaves or a topic changes, and committed offsets. Rebalances are incremental and
 * serialised: a partition is first revoked from its owner (who finishes its in-flight work and
 * commits), then assigned to the next one, so nothing is handled twice by two live members.
 */
import type { GroupDescription, GroupState, TopicPartitions } from "../admin-types.js";
import { partitionKey as tpKey } from "../partitioner/router.js";
import type { TopicPartition, TopicPartitionOffset } from "../messages/types.js";

/** The assignor's name, as the group's protocol (Java's, librdkafka's and platformatic's name for round robin). */
const MEMORY_GROUP_PROTOCOL = "roundrobin";

/** Every member's host as the coordinator reports it (a client on loopback). */
const MEMBER_HOST = "/127.0.0.1";

export interface GroupMember {
  readonly id: string;
  /** The consumer's `clientId`, as `describeGroups` reports it. */
  readonly clientId: string;
  readonly topics: readonly string[];
  /** Stop handing out these partitions; resolve once in-flight work on them is done and committed. */
  revoke(partitions: readonly TopicPartition[]): Promise<void>;
  /** The member now also owns `gained` (maybe none), and owns `all` in all: called after each rebalance that changed its assignment. */
  assign(gained: readonly TopicPartition[], all: readonly TopicPartition[]): void;
}


export class MemoryGroup {
  /** Next offset to read, per partition. */
  readonly committed = new Map<string, TopicPartitionOffset>();
  private readonly members = new Map<string, GroupMember>();
  private owned = new Map<string, TopicPartition[]>();
  private queue: Promise<void> = Promise.resolve();
  /** Rebalances asked for and not yet done: the group is rebalancing while there are any. */
  private pending = 0;
  /** Completed rebalances since the group was created (or deleted): 0 for a group that never had a member. */
  generation = 0;

  constructor(
    readonly groupId: string,
    private readonly partitionCount: (topic: string) => number | undefined,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** True once a member joined or an offset was committed (Kafka knows the group), until it is deleted. */
  get exists(): boolean {
    return this.members.size > 0 || this.committed.size > 0 || this.generation > 0;
  }

  /**
   * Kafka's (classic protocol) name for the group's state: `Empty` with no members,
   * `PreparingRebalance` while partitions are being revoked and handed over (the memory
   * group's hand-over has no separate `CompletingRebalance` phase: assigning is synchronous),
   * `Stable` otherwise; `Dead` for a group that does not exist.
   */
  get state(): GroupState {
    if (this.members.size === 0) return this.exists ? "Empty" : "Dead";
    return this.pending > 0 ? "PreparingRebalance" : "Stable";
  }

  /** What Kafka's DescribeGroups answers: the protocol and the assignments only when `Stable`. */
  describe(): GroupDescription {
    const state = this.state;
    const stable = state === "Stable";
    const members = [...this.members.values()].map((m) => ({ memberId: m.id, clientId: m.clientId, host: MEMBER_HOST, assignment: stable ? byTopic(this.owned.get(m.id) ?? []) : [] }));
    // A group made by offset commits alone has no protocol type; one that had members keeps "consumer".
    return { groupId: this.groupId, state, protocolType: this.generation > 0 || this.members.size > 0 ? "consumer" : "", protocol: stable ? MEMORY_GROUP_PROTOCOL : "", members };
  }

  /** Forgets the committed offsets and the history (the group is deleted; core checked it has no members). */
  clear(): void {
    this.committed.clear();
    this.owned.clear();
    this.generation = 0;
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
    this.pending++;
    const run = this.queue.then(() => this.apply()).finally(() => this.pending--);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Kafka's RoundRobinAssignor: every partition of the subscribed topics (topics by name,
   * partitions ascending) goes to the next member in member-id order that subscribes to its topic.
   */
  private target(): Map<string, TopicPartition[]> {
    const result = new Map<string, TopicPartition[]>();
    const ids = [...this.members.keys()].sort();
    for (const id of ids) result.set(id, []);
    const topics = new Set<string>();
    for (const m of this.members.values()) for (const t of m.topics) topics.add(t);
    let next = 0;
    for (const topic of [...topics].sort()) {
      const count = this.partitionCount(topic);
      if (count === undefined) continue;
      for (let partition = 0; partition < count; partition++) {
        // Some member subscribes to the topic (it came from their subscriptions), so this ends.
        while (!this.members.get(ids[next % ids.length]!)!.topics.includes(topic)) next++;
        result.get(ids[next % ids.length]!)!.push({ topic, partition });
        next++;
      }
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
    // A deleted group's last hand-over (its member left just before) does not bring it back.
    if (this.members.size > 0 || this.generation > 0) this.generation++;
    for (const [id, tps] of target) {
      const member = this.members.get(id);
      const before = this.owned.get(id) ?? [];
      const gained = tps.filter((tp) => !has(before, tp));
      // Every member whose assignment changed hears of its whole new one (a member that only lost partitions too).
      if (member && (gained.length > 0 || before.length !== tps.length)) member.assign(gained, tps);
    }
    this.owned = target;
  }
}

/** Partitions grouped by topic, as a member's assignment is described. */
function byTopic(partitions: readonly TopicPartition[]): TopicPartitions[] {
  const topics = new Map<string, number[]>();
  for (const tp of partitions) {
    const list = topics.get(tp.topic) ?? [];
    list.push(tp.partition);
    topics.set(tp.topic, list);
  }
  return [...topics].map(([topic, list]) => ({ topic, partitions: list }));
}
