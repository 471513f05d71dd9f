/**
 * The kafkajs consumer driver. kafkajs fetches and hands over batches (eachBatch); core runs the
 * handler, commits through `commit`, and repositions with `seek`. kafkajs's `run()` returns
 * before the group join, so `start` waits for the GROUP_JOIN event (core bounds the wait).
 */
import type { TopicPartition, TopicPartitionOffset } from "@qi/streaming";
import { normalizeIncoming, type BatchSink, type ConsumerDriver, type ResolvedConfig, type ResolvedConsumerConfig } from "@qi/streaming/connector";
import { Kafka, type Consumer, type EachBatchPayload } from "kafkajs";
import { isUnreachable } from "./errors.js";
import { consumerOptions, kafkaConfig, partitionsConsumedConcurrently } from "./options.js";

/** ms between heartbeats while a handler runs: long handlers must not cost the group membership. */
const HEARTBEAT_MS = 3000;

export class KafkajsConsumerDriver implements ConsumerDriver {
  private readonly consumer: Consumer;
  private readonly concurrency: number;
  private owned: TopicPartition[] = [];
  private readonly removeListeners: (() => void)[] = [];

  constructor(config: ResolvedConfig, consumerConfig: ResolvedConsumerConfig) {
    this.consumer = new Kafka(kafkaConfig(config)).consumer(consumerOptions(config, consumerConfig));
    this.concurrency = partitionsConsumedConcurrently(config);
  }

  async connect(): Promise<void> {
    await this.consumer.connect();
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    await this.consumer.subscribe({ topics: [...topics], fromBeginning });
  }

  async start(sink: BatchSink): Promise<void> {
    const { GROUP_JOIN, CRASH } = this.consumer.events;
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
        const revoked = this.owned.filter((o) => !now.some((n) => n.topic === o.topic && n.partition === o.partition));
        this.owned = now;
        // Core waits for its deliveries of these partitions, then commits them.
        if (revoked.length > 0) void sink.revoked(revoked);
        joined();
      }),
      this.consumer.on(CRASH, ({ payload }) => {
        sink.error(payload.error);
        // kafkajs restarts itself after a retriable crash. A broker-side condition (a coordinator
        // still loading after a broker restart) is worth waiting out; an unreachable broker is not:
        // `run()` must fail within the configured timeouts.
        if (!(payload as { restart?: boolean }).restart || isUnreachable(payload.error)) crashed(payload.error);
      }),
    );
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: (payload) => this.deliver(sink, payload),
    });
    await join;
  }

  /** Hands the fetched batch over as it is (core slices it by `maxBatchSize`). */
  private async deliver(sink: BatchSink, { batch, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const messages = batch.messages.map((m) => normalizeIncoming({ topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp }));
    const beat = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_MS);
    try {
      await sink.deliver({ topic, partition, messages, highWatermark: batch.highWatermark });
    } finally {
      clearInterval(beat);
    }
  }

  /** kafkajs's stop waits for the batch it handed over; core never awaits it from inside one. */
  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  async seek(tp: TopicPartition, offset: string): Promise<void> {
    this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset });
  }

  async pause(partitions: readonly TopicPartition[]): Promise<void> {
    this.consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  async resume(partitions: readonly TopicPartition[]): Promise<void> {
    this.consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  assignment(): readonly TopicPartition[] {
    return this.owned;
  }

  /** kafkajs's disconnect stops first (and leaves the group). */
  async disconnect(): Promise<void> {
    for (const remove of this.removeListeners.splice(0)) remove();
    this.owned = [];
    await this.consumer.disconnect();
  }

  native(): unknown {
    return this.consumer;
  }
}
