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
  /**
   * The revocation running (core waits for its deliveries, then commits): an assignment
   * arriving meanwhile, and `end`, wait for it.
   */
  private revocation: Promise<void> | undefined;
  /** KIP-848: an assignment was reported to core since the member joined. */
  private reported = false;
  /** Bumped when the member leaves: an assignment waiting for a revocation is then dropped. */
  private session = 0;

  constructor(
    private readonly positions: Positions,
    private readonly sink: () => BatchSink | undefined,
  ) {}

  /** What the member owns that `assignment` leaves out. */
  private ownedOutside(assignment: readonly TopicPartition[]): TopicPartition[] {
    return this.owned.filter((o) => !assignment.some((n) => n.topic === o.topic && n.partition === o.partition));
  }

  owns(tp: TopicPartition): boolean {
    return this.owned.some((o) => o.topic === tp.topic && o.partition === tp.partition);
  }

  /**
   * Before a JoinGroup: the member gives everything it owns away. A
   * second join attempt while that runs does not wait for it: it may come from the revocation's
   * own commit (platformatic rejoins when a commit is refused for a stale generation), which
   * would then wait for itself. Its assignment waits instead (see `joined`).
   */
  beforeJoin(): Promise<void> {
    if (this.ended || this.revoking || this.owned.length === 0) return Promise.resolve();
    this.revoking = true;
    const owned = this.owned;
    return this.revoke(owned, () => {
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
    const lost = this.ownedOutside(now);
    if (lost.length > 0) {
      this.revoking = true;
      void this.revoke(lost, () => {
        this.owned = this.owned.filter((o) => !lost.includes(o));
      }).then(later);
      return;
    }
    // Every partition starts at its committed offset, even one owned again right after its
    // revocation: core dropped what it had fetched and not started (sink.revoked).
    this.revoking = false;
    this.owned = now;
    this.positions.assign(now, new Set());
    this.sink()?.assigned(now);
  }

  /**
   * KIP-848, before the member acknowledges an assignment `now` (the whole of it): revokes what
   * it owns outside `now`, once core ended those deliveries and committed them. Never rejects.
   */
  async revokeMissing(now: readonly TopicPartition[]): Promise<void> {
    if (this.ended) return;
    if (this.revocation) await this.revocation;
    const lost = this.ownedOutside(now);
    if (lost.length === 0) return;
    this.revoking = true;
    await this.revoke(lost, () => {
      this.owned = this.owned.filter((o) => !lost.includes(o));
    });
  }

  /**
   * KIP-848: the member holds `now` (what it owned before, less what `revokeMissing` gave away,
   * plus new partitions). Partitions it kept keep their positions; the new ones are looked up.
   */
  reassigned(now: readonly TopicPartition[]): void {
    if (this.ended) return;
    const kept = new Set(this.owned.map((tp) => partitionKey(tp.topic, tp.partition)));
    const same = now.length === this.owned.length && now.every((n) => kept.has(partitionKey(n.topic, n.partition)));
    this.revoking = false;
    if (same && this.reported) return;
    this.reported = true;
    this.owned = now;
    this.positions.assign(now, kept);
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
    this.reported = false;
    this.owned = [];
    this.revoking = false;
    this.ended = false;
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
