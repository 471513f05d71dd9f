/**
 * The kafkajs consumer driver. kafkajs fetches and hands over batches (eachBatch); core runs the
 * handler, commits through `commit`, and repositions with `seek`. kafkajs's `run()` returns
 * before the group join, so `start` waits for the GROUP_JOIN event (core bounds the wait).
 * Membership events (revoked before every rejoin, the whole assignment after it, a crash) are
 * `membership.ts`'s, on the JoinGroup gate of `join-gate.ts`.
 */
import type { TopicPartition, TopicPartitionOffset } from "@qi/streaming";
import { normalizeIncoming, type BatchSink, type ConsumerDriver, type ResolvedConfig, type ResolvedConsumerConfig } from "@qi/streaming/connector";
import { Kafka, type Consumer, type EachBatchPayload } from "kafkajs";
import { isUnreachable } from "./errors.js";
import { joinGatedSocketFactory } from "./join-gate.js";
import { Membership } from "./membership.js";
import { consumerOptions, kafkaConfig, partitionsConsumedConcurrently } from "./options.js";

/** ms between heartbeats while a handler runs: long handlers must not cost the group membership. */
const HEARTBEAT_MS = 3000;
/** kafkajs's defaults of the options that bound how long a JoinGroup may be held. */
const KAFKAJS_REBALANCE_TIMEOUT_MS = 60_000;
const KAFKAJS_HEARTBEAT_INTERVAL_MS = 3000;

/**
 * How long a JoinGroup may wait for its revocation: the member must rejoin within the rebalance
 * timeout, and within the session timeout of its last heartbeat (up to one interval ago).
 */
export function joinHoldMs(options: { sessionTimeout?: number; rebalanceTimeout?: number; heartbeatInterval?: number }, sessionTimeout: number): number {
  const limit = Math.min(options.sessionTimeout ?? sessionTimeout, options.rebalanceTimeout ?? KAFKAJS_REBALANCE_TIMEOUT_MS);
  return Math.max(0, limit - (options.heartbeatInterval ?? KAFKAJS_HEARTBEAT_INTERVAL_MS) - 1000);
}

export class KafkajsConsumerDriver implements ConsumerDriver {
  private readonly consumer: Consumer;
  private readonly concurrency: number;
  private readonly membership: Membership;
  private readonly removeListeners: (() => void)[] = [];
  /** The topics subscribed to: `stop` pauses them whole. */
  private topics: readonly string[] = [];
  /** Set by `stop`: nothing more is fetched or delivered, the member stays in its group. */
  private stopped = false;
  /** Set once `run()` was called: kafkajs refuses `pause` before (and nothing is fetched then). */
  private running = false;

  constructor(config: ResolvedConfig, consumerConfig: ResolvedConsumerConfig) {
    const options = consumerOptions(config, consumerConfig);
    this.membership = new Membership(consumerConfig.groupId, joinHoldMs(options, consumerConfig.sessionTimeout), (m) => config.logger.warn(m));
    const kafka = new Kafka({ ...kafkaConfig(config), socketFactory: joinGatedSocketFactory(() => this.membership.beforeJoin()) });
    this.consumer = kafka.consumer(options);
    this.concurrency = partitionsConsumedConcurrently(config);
  }

  async connect(): Promise<void> {
    await this.consumer.connect();
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    await this.consumer.subscribe({ topics: [...topics], fromBeginning });
    this.topics = [...new Set([...this.topics, ...topics])];
  }

  async start(sink: BatchSink): Promise<void> {
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.membership.start(sink);
    let joined!: () => void;
    let crashed!: (e: unknown) => void;
    const join = new Promise<void>((resolve, reject) => {
      joined = resolve;
      crashed = reject;
    });
    // A crash before `run()` returned is awaited just below, not unhandled.
    join.catch(() => undefined);
    this.removeListeners.push(
      this.consumer.on(GROUP_JOIN, ({ payload }) => {
        const now = Object.entries(payload.memberAssignment).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
        this.membership.joined(now, joined);
      }),
      this.consumer.on(CRASH, ({ payload }) => {
        const restart = (payload as { restart?: boolean }).restart === true;
        if (this.membership.joinedOnce) this.membership.crashed(payload.error, restart);
        else sink.error(payload.error);
        // kafkajs restarts itself after a retriable crash. A broker-side condition (a coordinator
        // still loading after a broker restart) is worth waiting out; an unreachable broker is not:
        // `run()` must fail within the configured timeouts.
        if (!restart || isUnreachable(payload.error)) crashed(payload.error);
      }),
    );
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: (payload) => this.deliver(sink, payload),
    });
    await join;
  }

  /** Hands the fetched batch over as it is (core slices it by `maxBatchSize`). */
  private async deliver(sink: BatchSink, { batch, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || this.stopped) return;
    const { topic, partition } = batch;
    // Not before the assignment is reported, and not for a partition given away (a batch of the
    // generation being revoked: the next owner, maybe this member, reads from the committed offset).
    await this.membership.ready;
    if (this.stopped || !this.membership.owns({ topic, partition })) return;
    const messages = batch.messages.map((m) => normalizeIncoming({ topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp }));
    const beat = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_MS);
    try {
      await sink.deliver({ topic, partition, messages, highWatermark: batch.highWatermark });
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * Stops fetching without leaving the group: kafkajs's own `stop()` leaves it (its runner sends
   * LeaveGroup), which would hand this member's partitions, and the message that stopped it, to
   * another member. Instead every subscribed topic is paused whole (partitions assigned later
   * included) and nothing more is delivered; kafkajs's fetch loop, finding nothing to fetch, goes
   * on heartbeating, so the member keeps its membership (and takes part in rebalances) until
   * `disconnect`, which stops kafkajs and leaves.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.running && this.topics.length > 0) this.consumer.pause(this.topics.map((topic) => ({ topic })));
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.membership.outOfGroup) throw this.membership.outOfGroup;
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  async seek(tp: TopicPartition, offset: string): Promise<void> {
    this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset });
  }

  async pause(partitions: readonly TopicPartition[]): Promise<void> {
    this.consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  /** A no-op once stopped: the member fetches nothing more. */
  async resume(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.stopped) return;
    this.consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  assignment(): readonly TopicPartition[] {
    return this.membership.owned;
  }

  /** kafkajs's disconnect stops its runner first (waiting for the batch in flight) and leaves the group. */
  async disconnect(): Promise<void> {
    for (const remove of this.removeListeners.splice(0)) remove();
    this.membership.reset();
    await this.consumer.disconnect();
    this.stopped = false;
    this.running = false;
    this.topics = [];
  }

  native(): unknown {
    return this.consumer;
  }
}
