/**
 * Group membership. platformatic runs the group protocol (join, sync, heartbeats) and awaits its
 * `protocolsMetadata` hook before every JoinGroup: that is where this member gives everything it
 * owns away (the classic protocol is eager), after core's deliveries of it ended and were
 * committed (`sink.revoked`). From that moment until the next assignment no delivery starts
 * (`revoking`); the `consumer:group:join` event then brings the new assignment, reported to core
 * (`sink.assigned`) only once what it replaces was revoked, so the events keep their order.
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
  /** The member is out of its group for good (the driver crashed): no join changes what it owns. */
  ended = false;
  /** Partitions revoked by the last pre-join hook, and the generation they were owned in. */
  private revoked: { keys: Set<string>; generation: number } | undefined;
  /**
   * The revocation running (core waits for its deliveries, then commits): an assignment
   * arriving meanwhile, and `end`, wait for it.
   */
  private revocation: Promise<void> | undefined;
  /** Bumped when the member leaves: an assignment waiting for a revocation is then dropped. */
  private session = 0;

  constructor(
    private readonly positions: Positions,
    private readonly sink: () => BatchSink | undefined,
  ) {}

  owns(tp: TopicPartition): boolean {
    return this.owned.some((o) => o.topic === tp.topic && o.partition === tp.partition);
  }

  /**
   * Before a JoinGroup of the member owning `owned` in `generation`: gives everything away. A
   * second join attempt while that runs does not wait for it: it may come from the revocation's
   * own commit (platformatic rejoins when a commit is refused for a stale generation), which
   * would then wait for itself. Its assignment waits instead (see `joined`).
   */
  beforeJoin(generation: number): Promise<void> {
    if (this.ended || this.revoking || this.owned.length === 0) return Promise.resolve();
    this.revoking = true;
    const owned = this.owned;
    return this.revoke(owned, () => {
      this.revoked = { keys: new Set(owned.map((tp) => partitionKey(tp.topic, tp.partition))), generation };
      this.owned = [];
      this.positions.revokeAll();
    });
  }

  /**
   * The assignment of a new generation. Reported to core after any revocation still running;
   * a join without our hook (never expected with the classic protocol) first revokes what moved.
   */
  joined(payload: ConsumerGroupJoinPayload): void {
    if (this.ended) return;
    const now = (payload.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
    const session = this.session;
    const later = (): void => {
      if (this.session === session) this.joined(payload);
    };
    if (this.revocation) {
      void this.revocation.then(later);
      return;
    }
    const lost = this.owned.filter((o) => !now.some((n) => n.topic === o.topic && n.partition === o.partition));
    if (lost.length > 0) {
      this.revoking = true;
      void this.revoke(lost, () => {
        this.owned = this.owned.filter((o) => !lost.includes(o));
      }).then(later);
      return;
    }
    // Partitions owned in the previous generation and assigned again in the next one were owned
    // by no one else in between: their positions still hold.
    const revoked = this.revoked;
    const retained = revoked && payload.generationId === revoked.generation + 1 ? revoked.keys : new Set<string>();
    this.revoked = undefined;
    this.revoking = false;
    this.owned = now;
    this.positions.assign(now, retained);
    this.sink()?.assigned(now);
  }

  /**
   * The member is out of its group for good: what it still owns is revoked (core waits for its
   * deliveries and commits them), and from now on no join or assignment changes anything.
   */
  async end(): Promise<void> {
    this.ended = true;
    this.revoking = true;
    if (this.revocation) await this.revocation;
    const owned = this.owned;
    if (owned.length > 0)
      await this.revoke(owned, () => {
        this.owned = [];
        this.positions.revokeAll();
      });
  }

  /** The member left the group. */
  reset(): void {
    this.session++;
    this.owned = [];
    this.revoking = false;
    this.ended = false;
    this.revoked = undefined;
    this.revocation = undefined;
  }

  /** Core revokes `partitions` (never rejects); then `done`, unless the member was reset meanwhile. */
  private revoke(partitions: readonly TopicPartition[], done: () => void): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await this.sink()?.revoked(partitions);
      } catch (error) {
        this.sink()?.error(error);
      }
      if (this.revocation !== revocation) return;
      this.revocation = undefined;
      done();
    };
    const revocation = run();
    this.revocation = revocation;
    return revocation;
  }
}
