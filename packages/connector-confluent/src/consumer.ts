/**
 * The confluent consumer driver. The client's consumer is made at `subscribe` (its start
 * position, `fromBeginning`, is a construction setting); `start` resolves once the rebalance
 * callback has assigned partitions (the client's `run()` returns before the join); a revoke
 * waits for in-flight work and lets core commit; batches are not capped at 32 messages; the
 * group offers the standard "roundrobin" protocol, like every connector.
 */
import { normalizeIncoming, qiError, withTimeout, type BatchSink, type ConsumerConfig, type ConsumerDriver, type ResolvedConfig, type TopicPartition, type TopicPartitionOffset } from "@qi/streaming";
import { connectWithin, newKafka, probe, Session, type NativeClient } from "./native.js";
import { librdkafkaProperties } from "./options.js";

const ASSIGN = -175; // librdkafka RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
const REVOKE = -174; // librdkafka RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS

/**
 * Error lines of the client's fetch loop, which it only logs (and retries): they go to the
 * consumer's `onError` instead. Transient connection errors are not reported one by one, only
 * the loss of every broker (once per outage), and authentication or fatal errors.
 */
const LOOP_FAILURE = /^(Consumer encountered error while (consuming|storing offset|processing message)|Seek error|Worker \d+ encountered an error|Error in queueNonEmptyCb|Error from (user's )?rebalance callback)/;
const CLIENT_ERROR = /^Error: (.*(All broker connections are down|Authentication|fatal).*)$/i;

/** The error a reported log line stands for, classified by the connector's `classifyError`. */
export function loopError(level: string, line: string): Error | undefined {
  if (level !== "error") return undefined;
  const first = line.split("\n")[0]!;
  const client = CLIENT_ERROR.exec(first);
  if (!client && !LOOP_FAILURE.test(first)) return undefined;
  const message = client ? client[1]! : first;
  const error = new Error(message) as Error & { code?: number };
  if (/All broker connections are down/i.test(message)) error.code = -187;
  else if (/Authentication/i.test(message)) error.code = -169;
  return error;
}

interface NativeMessage {
  offset: string;
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
  timestamp: string;
}

export class ConfluentConsumerDriver implements ConsumerDriver {
  private consumer: NativeClient | undefined;
  private owned: TopicPartition[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private sink: BatchSink | undefined;
  private joined: (() => void) | undefined;
  private stopped = false;
  private lastReported: { message: string; at: number } | undefined;
  private readonly session = new Session();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly consumerConfig: ConsumerConfig,
  ) {}

  /** Checks the broker can be reached; the client's consumer is made at `subscribe`. */
  async connect(): Promise<void> {
    await probe(this.config, this.session);
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
    const consumer = newKafka(this.config, undefined, this.session).consumer({
      kafkaJS: { groupId: this.consumerConfig.groupId, fromBeginning, autoCommit: false, sessionTimeout: this.consumerConfig.sessionTimeout ?? 30_000 },
      "partition.assignment.strategy": "roundrobin",
      "js.consumer.max.batch.size": this.consumerConfig.maxBatchSize ?? 500,
      "fetch.wait.max.ms": 500,
      ...librdkafkaProperties(this.config, "consumer"),
      rebalance_cb: (err: { code: number }, assignment: TopicPartition[]) => this.rebalanced(err.code, assignment),
    });
    await this.session.call(() => connectWithin(consumer, this.config));
    this.consumer = consumer;
    await this.session.call(() => consumer.subscribe({ topics: [...topics] }));
  }

  private async rebalanced(code: number, assignment: readonly TopicPartition[]): Promise<void> {
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    if (code === REVOKE) {
      await Promise.allSettled([...this.inFlight]);
      await this.sink?.revoked(tps);
      this.owned = this.owned.filter((o) => !tps.some((t) => t.topic === o.topic && t.partition === o.partition));
    } else if (code === ASSIGN) {
      this.owned = [...this.owned, ...tps.filter((t) => !this.owned.some((o) => o.topic === t.topic && o.partition === t.partition))];
      this.joined?.();
    }
  }

  async start(sink: BatchSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    const join = new Promise<void>((resolve) => (this.joined = resolve));
    await this.consumer!.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }: { batch: { topic: string; partition: number; messages: NativeMessage[]; highWatermark?: string } }) => {
        if (this.stopped || batch.messages.length === 0) return;
        this.lastReported = undefined;
        const { topic, partition } = batch;
        const messages = batch.messages.map((m) => normalizeIncoming({ topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp }));
        const delivery = sink.deliver({ topic, partition, messages, ...(batch.highWatermark ? { highWatermark: String(batch.highWatermark) } : {}) });
        this.inFlight.add(delivery);
        try {
          await delivery;
        } finally {
          this.inFlight.delete(delivery);
        }
      },
    });
    const limit = (this.consumerConfig.sessionTimeout ?? 30_000) + this.config.requestTimeout;
    await this.session.reachable(
      withTimeout(join, limit, () => qiError("TIMEOUT", "GROUP_JOIN_TIMEOUT", `the consumer did not join group "${this.consumerConfig.groupId}" in time`, { retriable: true })),
    );
    // Joined: from now on, what goes wrong in the client's fetch loop goes to `onError` (before,
    // it is what `run()` itself fails with).
    // librdkafka repeats an error while it lasts: the same one is reported again only after a
    // batch came through or 30 s went by (the repeats are still logged).
    this.session.report = (level, line) => {
      const error = this.stopped ? undefined : loopError(level, line);
      if (!error) return false;
      const now = Date.now();
      if (this.lastReported?.message === error.message && now - this.lastReported.at < 30_000) return false;
      this.lastReported = { message: error.message, at: now };
      sink.error(error);
      return true;
    };
  }

  /** The client has no `stop`: pause everything, let in-flight work end. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.session.report = undefined;
    if (this.owned.length > 0) this.consumer?.pause(this.byTopic(this.owned));
    await Promise.allSettled([...this.inFlight]);
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.consumer) {
      const consumer = this.consumer;
      await this.session.call(() => consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }))));
      await this.confirmCommitted(consumer, offsets);
      return;
    }
    // Not subscribed yet: commit through the admin API, which does not join the group.
    const admin = newKafka(this.config).admin();
    await connectWithin(admin, this.config);
    try {
      await admin.setOffsets?.({ groupId: this.consumerConfig.groupId, topic: offsets[0]!.topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })) });
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The client's commit only queues it (librdkafka's commitAsync) and resolves at once; ours
   * resolves once the broker has it, so read it back until it shows.
   */
  private async confirmCommitted(consumer: NativeClient, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const deadline = Date.now() + this.config.requestTimeout;
    const tps = offsets.map((o) => ({ topic: o.topic, partition: o.partition }));
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      const got = (await this.session.call(() => consumer.committed(tps, this.config.requestTimeout))) as { topic: string; partition: number; offset: string }[];
      if (offsets.every((o) => got.some((g) => g.topic === o.topic && g.partition === o.partition && String(g.offset) === o.offset))) return;
      if (Date.now() > deadline) throw qiError("TIMEOUT", "COMMIT_NOT_CONFIRMED", `the commit was not confirmed within ${this.config.requestTimeout} ms`, { retriable: true });
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async seek(tp: TopicPartition, offset: string): Promise<void> {
    this.consumer!.seek({ topic: tp.topic, partition: tp.partition, offset });
  }

  async pause(partitions: readonly TopicPartition[]): Promise<void> {
    this.consumer!.pause(this.byTopic(partitions));
  }

  async resume(partitions: readonly TopicPartition[]): Promise<void> {
    this.consumer!.resume(this.byTopic(partitions));
  }

  private byTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
    const map = new Map<string, number[]>();
    for (const p of partitions) map.set(p.topic, [...(map.get(p.topic) ?? []), p.partition]);
    return [...map].map(([topic, ps]) => ({ topic, partitions: ps }));
  }

  assignment(): readonly TopicPartition[] {
    return this.owned;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    const consumer = this.consumer;
    this.consumer = undefined;
    this.owned = [];
    await consumer?.disconnect();
  }

  native(): unknown {
    return this.consumer;
  }
}
