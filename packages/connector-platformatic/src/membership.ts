/**
 * Group membership. platformatic runs the group protocol (join, sync, heartbeats) and awaits its
 * `protocolsMetadata` hook before every JoinGroup: that is where this member gives everything it
 * owns away (the classic protocol is eager), after core's deliveries of it ended and were
 * committed (`sink.revoked`). From that moment until the next assignment no delivery starts
 * (`revoking`); the `consumer:group:join` event then brings the new assignment.
 */
import type { TopicPartition } from "@qi/streaming";
import { partitionKey, type BatchSink } from "@qi/streaming/connector";
import type { ConsumerGroupJoinPayload } from "@platformatic/kafka";
import type { Positions } from "./positions.js";

export class Membership {
  /** The partitions owned now. */
  owned: readonly TopicPartition[] = [];
  /** Between the pre-join hook (everything revoked) and the next assignment: nothing is fetched or delivered. */
  revoking = false;
  /** Partitions revoked by the last pre-join hook, and the generation they were owned in. */
  private revoked: { keys: Set<string>; generation: number } | undefined;

  constructor(
    private readonly positions: Positions,
    private readonly sink: () => BatchSink | undefined,
  ) {}

  owns(tp: TopicPartition): boolean {
    return this.owned.some((o) => o.topic === tp.topic && o.partition === tp.partition);
  }

  /** Before a JoinGroup of the member owning `owned` in `generation`: gives everything away. */
  async beforeJoin(generation: number): Promise<void> {
    if (this.revoking || this.owned.length === 0) return;
    this.revoking = true;
    const owned = this.owned;
    try {
      // Core waits for its deliveries of these partitions, then commits them.
      await this.sink()?.revoked(owned);
    } catch (error) {
      this.sink()?.error(error);
    }
    this.revoked = { keys: new Set(owned.map((tp) => partitionKey(tp.topic, tp.partition))), generation };
    this.owned = [];
    this.positions.revokeAll();
  }

  /** The assignment of a new generation. */
  joined(payload: ConsumerGroupJoinPayload): void {
    const now = (payload.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
    // Partitions owned in the previous generation and assigned again in the next one were owned
    // by no one else in between: their positions still hold.
    const revoked = this.revoked;
    const retained = revoked && payload.generationId === revoked.generation + 1 ? revoked.keys : new Set<string>();
    // A join without our hook (never expected with the classic protocol): revoke what moved.
    const lost = this.owned.filter((o) => !now.some((n) => n.topic === o.topic && n.partition === o.partition));
    if (lost.length > 0) void this.sink()?.revoked(lost);
    this.revoked = undefined;
    this.revoking = false;
    this.owned = now;
    this.positions.assign(now, retained);
    this.sink()?.assigned(now);
  }

  /** The member left the group. */
  reset(): void {
    this.owned = [];
    this.revoking = false;
    this.revoked = undefined;
  }
}
