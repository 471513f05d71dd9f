/**
 * The kafkajs consumer driver. kafkajs fetches and hands over batches (eachBatch); core runs the
 * handler, commits through `commit`, and repositions with `seek`. `start` resolves only once
 * the consumer has joined its group, which kafkajs's `run()` does not wait for.
 */
import { normalizeIncoming, qiError, toQiError, withTimeout, type BatchSink, type ConsumerConfig, type ConsumerDriver, type ResolvedConfig, type TopicPartition, type TopicPartitionOffset } from "@qi/streaming";
import { Kafka, type Consumer, type EachBatchPayload } from "kafkajs";
import { KAFKAJS_ASSIGNERS } from "./assigner.js";
import { classifyError } from "./errors.js";
import { KAFKAJS_OPTIONS, kafkaConfig, pick } from "./options.js";

export class KafkajsConsumerDriver implements ConsumerDriver {
  private readonly consumer: Consumer;
  private owned: TopicPartition[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sessionTimeout: number;
  private readonly removeListeners: (() => void)[] = [];
  private running = false;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly consumerConfig: ConsumerConfig,
  ) {
    this.sessionTimeout = consumerConfig.sessionTimeout ?? 30_000;
    const options = pick(config.options, KAFKAJS_OPTIONS.consumer);
    delete options.partitionsConsumedConcurrently;
    this.consumer = new Kafka(kafkaConfig(config)).consumer({
      groupId: consumerConfig.groupId,
      sessionTimeout: this.sessionTimeout,
      allowAutoTopicCreation: false,
      partitionAssigners: KAFKAJS_ASSIGNERS,
      // Java's fetch.max.wait.ms; kafkajs's 5 s default makes every stop wait up to 5 s.
      maxWaitTimeInMs: 500,
      ...options,
    });
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
    this.removeListeners.push(
      this.consumer.on(GROUP_JOIN, ({ payload }) => {
        const now = Object.entries(payload.memberAssignment).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
        const revoked = this.owned.filter((o) => !now.some((n) => n.topic === o.topic && n.partition === o.partition));
        this.owned = now;
        if (revoked.length > 0) void sink.revoked(revoked);
        joined();
      }),
      this.consumer.on(CRASH, ({ payload }) => {
        sink.error(payload.error);
        // kafkajs restarts itself after a retriable crash. A broker-side condition (a coordinator
        // still loading after a broker restart) is worth waiting out; an unreachable broker is not:
        // `run()` must fail within the configured timeouts.
        const category = toQiError(payload.error, {}, classifyError).category;
        if (!(payload as { restart?: boolean }).restart || category === "CONNECTION" || category === "TIMEOUT") crashed(payload.error);
      }),
    );
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: (this.config.options.partitionsConsumedConcurrently as number | undefined) ?? 1,
      eachBatch: (payload) => this.deliver(sink, payload),
    });
    await withTimeout(join, this.sessionTimeout + this.config.requestTimeout, () =>
      qiError("TIMEOUT", "GROUP_JOIN_TIMEOUT", `the consumer did not join group "${this.consumerConfig.groupId}" in time`, { retriable: true }),
    );
  }

  private async deliver(sink: BatchSink, { batch, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const messages = batch.messages.map((m) => normalizeIncoming({ topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp }));
    // Long handlers must not cost the group membership.
    const beat = setInterval(() => void heartbeat().catch(() => {}), 3000);
    const delivery = sink.deliver({ topic, partition, messages, highWatermark: batch.highWatermark });
    this.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      clearInterval(beat);
      this.inFlight.delete(delivery);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.stop();
    await Promise.allSettled([...this.inFlight]);
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

  async disconnect(): Promise<void> {
    await this.stop();
    for (const remove of this.removeListeners.splice(0)) remove();
    this.owned = [];
    await this.consumer.disconnect();
  }

  native(): unknown {
    return this.consumer;
  }
}
