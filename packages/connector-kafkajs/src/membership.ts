/**
 * Group membership as core's events see it. kafkajs (2.2.4) uses the eager classic protocol and
 * has no pre-revocation hook; this one is the JoinGroup request itself (`join-gate.ts` calls
 * `beforeJoin`): before each JoinGroup of a member that owns partitions, everything it owns is
 * revoked (core waits for its deliveries, runs the `revoked` listener and commits, with the
 * generation still valid) and only then is the request written, so the partitions move after
 * that, whichever path made kafkajs rejoin (a heartbeat or a fetch that learnt of a rebalance,
 * with or without a batch in flight; stale metadata; an unknown member id). GROUP_JOIN
 * (`joined`) then brings the new assignment, reported whole (`sink.assigned`) once the
 * revocation ended. Revocations and reports run in order, one after the other (`ready`), and no
 * batch is delivered before the assignment it belongs to is reported.
 */
import type { QiError, TopicPartition } from "@qi/streaming";
import { stateError, type BatchSink } from "@qi/streaming/connector";

/** A revocation before a JoinGroup: settles when core is done; the request waits at most until `until`. */
interface Revocation {
  readonly done: Promise<void>;
  readonly until: number;
}

export class Membership {
  /** The partitions owned now: set when an assignment is reported, emptied when they are revoked. */
  owned: readonly TopicPartition[] = [];
  /** Set by a crash: the member is out of its group and commits are refused; cleared by a join. */
  outOfGroup: QiError | undefined;
  private sink: BatchSink | undefined;
  /** The revocation before the JoinGroup in progress, until the next assignment. */
  private revocation: Revocation | undefined;
  /** The revocations and assignment reports, chained in order: settles once none runs. */
  private chain: Promise<void> = Promise.resolve();
  /** True once an assignment came after `start`: a crash before that fails `start` instead. */
  private hasJoined = false;
  /** Bumped by `reset`: steps still waiting in the chain are then dropped. */
  private session = 0;

  /**
   * @param holdMs how long a JoinGroup may wait for its revocation (below the session and
   *   rebalance timeouts: a member that rejoins later is dropped from the group).
   * @param warn where a revocation outlasting `holdMs` is said.
   */
  constructor(
    private readonly groupId: string,
    private readonly holdMs: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** Settles once no revocation or report is pending: a delivery waits for it. */
  get ready(): Promise<void> {
    return this.chain;
  }

  /** True once the member has been assigned since `start`. */
  get joinedOnce(): boolean {
    return this.hasJoined;
  }

  owns(tp: TopicPartition): boolean {
    return this.owned.some((o) => o.topic === tp.topic && o.partition === tp.partition);
  }

  /** `run()` began: events go to `sink`. */
  start(sink: BatchSink): void {
    this.sink = sink;
    this.hasJoined = false;
  }

  /**
   * A JoinGroup request is about to be written: a member that owns partitions gives them all
   * away first (eager protocol). The promise (none: write now) says when the request may go:
   * once that revocation ended, or `holdMs` after it began.
   */
  beforeJoin(): Promise<void> | undefined {
    const sink = this.sink;
    if (!this.revocation && sink && this.owned.length > 0) {
      const leaving = this.owned;
      this.owned = [];
      this.revocation = { done: this.then(() => this.revoke(sink, leaving)), until: Date.now() + this.holdMs };
    }
    const revocation = this.revocation;
    if (!revocation) return undefined;
    const rest = revocation.until - Date.now();
    if (rest <= 0) return undefined;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      revocation.done,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.warn(`kafkajs consumer: the revocation before rejoining group "${this.groupId}" still runs after ${this.holdMs} ms; rejoining now`);
          resolve();
        }, rest);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** GROUP_JOIN: the new assignment, reported once what it replaces was revoked; then `reported`. */
  joined(now: readonly TopicPartition[], reported: () => void): void {
    const sink = this.sink;
    if (!sink) return;
    this.revocation = undefined;
    this.outOfGroup = undefined;
    this.hasJoined = true;
    void this.then(async () => {
      if (this.owned.length > 0) {
        // A join whose request the gate did not see (a JoinGroup while this report waited): everything is revoked first.
        const leaving = this.owned;
        this.owned = [];
        await this.revoke(sink, leaving);
      }
      this.owned = [...now];
      sink.assigned(this.owned);
      reported();
    });
  }

  /**
   * A crash after the member joined: kafkajs has stopped and left the group before it says so,
   * so what the member owned is gone (revoked after the crash is reported). Without a restart
   * kafkajs consumes no more (`sink.crashed`); with one the error is reported (`sink.error`) and
   * the restart's join brings a new assignment. Commits are refused until a join.
   */
  crashed(error: unknown, restart: boolean): void {
    const sink = this.sink;
    if (!sink) return;
    this.revocation = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    this.outOfGroup = stateError(
      "CONSUMER_CRASHED",
      restart
        ? `the consumer left its group after: ${reason}; kafkajs restarts it, and nothing is committed until it has joined again`
        : `the consumer left its group after: ${reason}; nothing more is committed (disconnect it and run a new one)`,
      { groupId: this.groupId },
    );
    if (restart) sink.error(error);
    else sink.crashed(error);
    // In the chain: an assignment still waiting to be reported is given back too.
    void this.then(async () => {
      const leaving = this.owned;
      this.owned = [];
      if (leaving.length > 0) await this.revoke(sink, leaving);
    });
  }

  /** The member left the group (disconnect): nothing pending is reported any more. */
  reset(): void {
    this.session++;
    this.owned = [];
    this.sink = undefined;
    this.revocation = undefined;
    this.outOfGroup = undefined;
    this.hasJoined = false;
    this.chain = Promise.resolve();
  }

  /** Runs `step` after every revocation and report before it; never rejects. */
  private then(step: () => void | Promise<void>): Promise<void> {
    const session = this.session;
    const next = this.chain.then(async () => {
      if (this.session !== session) return;
      try {
        await step();
      } catch (error) {
        this.sink?.error(error);
      }
    });
    this.chain = next;
    return next;
  }

  /** Core revokes the partitions (waits for their deliveries, runs the listener, commits). */
  private async revoke(sink: BatchSink, partitions: readonly TopicPartition[]): Promise<void> {
    await sink.revoked(partitions);
  }
}
