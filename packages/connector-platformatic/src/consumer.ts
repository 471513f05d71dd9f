/**
 * The platformatic consumer driver. platformatic's `MessagesStream` fetches every assigned
 * partition, pauses only as a whole, has no seek, starts at LATEST by default and, with
 * autocommit, commits a fetched batch before it is processed. So this driver keeps platformatic
 * for what it does well (group membership, heartbeats, metadata, fetch sessions, commits) and
 * fetches itself: group membership in `membership.ts`, one position per partition in
 * `positions.ts`, the fetch loop in `fetching.ts`. Commits are core's (`commit`), never
 * platformatic's autocommit.
 *
 * A crash: platformatic's only `error` event says a rejoin (after a heartbeat learnt of a
 * rebalance) failed, after which it schedules no heartbeat and never joins again; the member
 * is out of its group for good. The driver then reports it (`sink.crashed`), stops fetching,
 * hands what it owns back to core (`revoked`: the handlers finish, their offsets are
 * committed), leaves the group so the other members take the partitions now rather than after
 * the rebalance timeout, and commits nothing more (a commit the broker refuses would make
 * platformatic rejoin behind core's back). `disconnect()` closes it as usual.
 */
import type { QiError, TopicPartition, TopicPartitionOffset } from "@qi/streaming";
import { stateError, toQiError, type BatchSink, type ConsumerDriver, type ResolvedConfig, type ResolvedConsumerConfig } from "@qi/streaming/connector";
import { Admin, Consumer, type ConsumerGroupJoinPayload } from "@platformatic/kafka";
import { ConsumerProtocolMember } from "./consumer-protocol.js";
import { classifyError } from "./errors.js";
import { Fetcher } from "./fetching.js";
import { message, routeLogs } from "./logs.js";
import { Membership } from "./membership.js";
import { probe } from "./metadata.js";
import { baseOptions, consumerOptions, fetchSettings } from "./options.js";
import { Positions, type OffsetSource } from "./positions.js";

export class PlatformaticConsumerDriver implements ConsumerDriver {
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private readonly cleanups: (() => void)[] = [];
  private topics: string[] = [];
  private sink: BatchSink | undefined;
  private fetcher: Fetcher | undefined;
  /** The `start` in progress; a `stop` meanwhile (core gave up waiting for the join) clears it. */
  private starting: object | undefined;
  /** Set once a crash gave everything back: commits are refused from then on. */
  private crashed: QiError | undefined;
  /** Reads committed offsets by group id alone, made only when the consumer's own look-up is refused (see `offsetSource`). */
  private admin: Admin | undefined;
  private readonly positions = new Positions(
    () => this.offsetSource(),
    (error) => this.report(error),
    () => this.fetcher?.wake(),
    (attempt) => Math.min(this.config.retry.maxRetryTimeMs, this.config.retry.initialRetryTimeMs * 2 ** Math.min(attempt, 10)),
  );
  private readonly membership = new Membership(this.positions, () => this.sink);
  /** Under `groupProtocol: "consumer"` (KIP-848): the member's join and heartbeats (consumer-protocol.ts). */
  private consumerProtocol: ConsumerProtocolMember | undefined;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly consumerConfig: ResolvedConsumerConfig,
  ) {}

  /** A closed platformatic client cannot reopen: `connect` after `disconnect` makes a new one. */
  private client(): Consumer<Buffer, Buffer, Buffer, Buffer> {
    if (!this.consumer) {
      const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>(
        consumerOptions(this.config, this.consumerConfig, () => this.membership.beforeJoin()),
      );
      this.consumer = consumer;
      this.cleanups.push(routeLogs(consumer, this.config.logger, "consumer", { errors: false }));
      const onError = (error: unknown): void => this.crash(consumer, error);
      consumer.on("error", onError);
      this.cleanups.push(() => consumer.removeListener("error", onError));
      if (this.consumerConfig.groupProtocol === "consumer") {
        const member = new ConsumerProtocolMember(consumer, this.membership, onError);
        this.consumerProtocol = member;
        this.cleanups.push(() => member.dispose());
      } else {
        // The classic protocol's assignments (the consumer protocol's come with its heartbeats).
        const onJoin = (payload: ConsumerGroupJoinPayload): void => this.membership.joined(payload);
        consumer.on("consumer:group:join", onJoin);
        this.cleanups.push(() => consumer.removeListener("consumer:group:join", onJoin));
      }
    }
    return this.consumer;
  }

  /**
   * Where positions start from: the consumer's look-ups. platformatic's committed-offset look-up
   * (OffsetFetch) names this classic member with member epoch -1; a Kafka 4 group of the
   * consumer type (KIP-848 members with classic ones among them, docs/group-protocols.md) checks
   * that epoch against the member's and refuses it with ILLEGAL_GENERATION, every time. Then the
   * offsets are read by group id alone, as an admin reads them (no member, epoch -1), which the
   * broker accepts: the committed offsets are the same.
   */
  private offsetSource(): OffsetSource {
    const consumer = this.client();
    return {
      listOffsets: (options) => consumer.listOffsets(options),
      listCommittedOffsets: async (options) => {
        try {
          return await consumer.listCommittedOffsets(options);
        } catch (error) {
          if (toQiError(error, { connector: "platformatic" }, classifyError).code !== "ILLEGAL_GENERATION") throw error;
          if (!this.admin) {
            this.admin = new Admin(baseOptions(this.config));
            // An unheard error event would throw; the look-up's own failure is returned.
            this.admin.on("error", () => {});
          }
          const admin = this.admin;
          const [group] = await admin.listConsumerGroupOffsets({ groups: [this.consumerConfig.groupId] });
          const out = new Map<string, bigint[]>();
          for (const { topic, partitions } of options.topics) {
            const found = group?.topics.find((t) => t.name === topic);
            const offsets: bigint[] = [];
            for (const p of partitions) offsets[p] = found?.partitions.find((x) => x.partitionIndex === p)?.committedOffset ?? -1n;
            out.set(topic, offsets);
          }
          return out;
        }
      },
    };
  }

  private report(error: unknown): void {
    if (this.sink) this.sink.error(error);
    else this.config.logger.error(`platformatic consumer: ${message(error)}`);
  }

  /**
   * The member stopped consuming for good (see the top of this file). Outside `start`..`stop`
   * (closing, or a client already replaced) the error is only reported.
   */
  private crash(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, error: unknown): void {
    const sink = this.sink;
    if (!sink || this.consumer !== consumer || this.membership.ended || (!this.fetcher && !this.starting)) {
      this.report(error);
      return;
    }
    this.starting = undefined;
    const fetcher = this.fetcher;
    this.fetcher = undefined;
    const given = this.membership.end();
    sink.crashed(error);
    void (async () => {
      await fetcher?.stop();
      await given;
      if (this.consumer !== consumer) return;
      this.crashed = stateError("CONSUMER_CRASHED", `the consumer left its group after: ${message(error)}; nothing more is committed (disconnect it and run a new one)`, {
        groupId: this.consumerConfig.groupId,
      });
      // Every group request of platformatic looks the tracked topics' metadata up first: one of
      // them deleted (a cause of the crash) would fail the LeaveGroup too. The member joins nothing again.
      consumer.topics.clear();
      await new Promise<void>((resolve, reject) => consumer.leaveGroup(true, (e) => (e ? reject(e) : resolve()))).catch((e: unknown) =>
        this.config.logger.warn(`platformatic consumer: leaving the group after the crash failed: ${message(e)}`),
      );
    })();
  }

  async connect(): Promise<void> {
    await probe(this.client(), () => this.close());
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    // Sets the topics (the interface's "sets"): a subscribe core refused (a missing topic) leaves nothing behind.
    this.topics = [...new Set(topics)];
    this.positions.fromBeginning = fromBeginning;
  }

  /** Joins the group (core bounds the wait), then fetches once the assignment's positions are known. */
  async start(sink: BatchSink): Promise<void> {
    this.sink = sink;
    const consumer = this.client();
    const starting = (this.starting = {});
    if (this.consumerProtocol) await this.consumerProtocol.join(this.topics);
    else {
      consumer.topics.trackAll(...this.topics);
      await consumer.joinGroup({});
    }
    await this.positions.ready;
    if (this.starting !== starting || this.consumer !== consumer) return;
    this.starting = undefined;
    this.fetcher = new Fetcher({
      consumer,
      sink,
      positions: this.positions,
      membership: this.membership,
      topics: this.topics,
      settings: fetchSettings(this.config, this.consumerConfig),
      config: this.config,
      groupId: this.consumerConfig.groupId,
      crashed: (error) => this.crash(consumer, error),
    });
  }

  async stop(): Promise<void> {
    this.starting = undefined;
    const fetcher = this.fetcher;
    this.fetcher = undefined;
    await fetcher?.stop();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.crashed) throw this.crashed;
    await this.client().commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) });
  }

  async seek(tp: TopicPartition, offset: string): Promise<void> {
    this.positions.seek(tp, offset, this.membership.owns(tp));
    this.fetcher?.wake();
  }

  async pause(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.positions.state(tp).paused = true;
  }

  async resume(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.positions.state(tp).paused = false;
    this.fetcher?.wake();
  }

  assignment(): readonly TopicPartition[] {
    return this.membership.owned;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    await this.close();
  }

  /** Leaves the group (platformatic's close does) and drops the client. */
  private async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.close().catch(() => {});
    await this.consumerProtocol?.leave();
    this.consumerProtocol = undefined;
    this.membership.reset();
    this.crashed = undefined;
    this.positions.clear();
    this.topics = [];
    this.sink = undefined;
    try {
      await consumer?.close();
    } finally {
      // After close: platformatic may still emit an error while leaving, and an unheard one throws.
      for (const cleanup of this.cleanups.splice(0)) cleanup();
    }
  }

  /**
   * The member as a transaction's offsets need it (TxnOffsetCommit checks the generation and
   * the member id, fencing a zombie member), or undefined before it joined or after it left.
   */
  member(): GroupMember | undefined {
    const consumer = this.consumer;
    if (!consumer || this.crashed || this.membership.ended || !consumer.memberId || consumer.coordinatorId === null) return undefined;
    // Under the consumer protocol the member epoch stands where the classic generation did.
    const generationId = this.consumerProtocol ? this.consumerProtocol.epoch : consumer.generationId;
    return { groupId: consumer.groupId, generationId, memberId: consumer.memberId, coordinatorId: consumer.coordinatorId };
  }

  native(): unknown {
    return this.client();
  }
}

/** A group member's identity, as platformatic's `Transaction.addOffset` reads it from a message. */
export interface GroupMember {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  /** The group coordinator's node id. */
  readonly coordinatorId: number;
}
