/**
 * The confluent consumer driver. The client's consumer is made at `subscribe` (its start
 * position, `fromBeginning`, is a construction setting) but subscribes at `start`: the client's
 * subscribe joins the group at once, and until `run()` the group must stay free for a commit
 * through the admin API. `start` resolves once the rebalance callback has assigned partitions
 * (the client's `run()` returns before the join); an assignment is told to core (the whole of
 * it) before the client applies it, a revoke lets core finish its deliveries and commit;
 * batches are not capped at the client's 32 messages; the group offers the standard
 * "roundrobin" protocol, like every connector. A fatal librdkafka error (the client will not
 * consume or commit again) is a crash: core is told, the partitions are given back to it, and
 * later commits fail at once. The consumer reads at the isolation level of its config (librdkafka
 * `isolation.level`, always set); an exactly-once producer's `sendOffsets` goes through the
 * client consumer that `native()` answers (see transactions.ts).
 */
import type { TopicPartition, TopicPartitionOffset } from "@qi/streaming";
import { fetchBudget, normalizeIncoming, stateError, type BatchSink, type ConsumerDriver, type ResolvedConfig, type ResolvedConsumerConfig } from "@qi/streaming/connector";
import { fatalError } from "./errors.js";
import { LoopReporter } from "./logs.js";
import { commitConfirmed, connectWithin, newKafka, probe, Session, type LowLevelLog, type NativeClient } from "./native.js";
import { groupProtocolProperties, librdkafkaProperties } from "./options.js";

/** ms of consumption the client's JS message cache holds (its default, 1500, holds far more than the budget). */
const CACHE_MS = 100;

const ASSIGN = -175; // librdkafka RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
const REVOKE = -174; // librdkafka RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS

interface NativeMessage {
  offset: string;
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
  timestamp: string;
}

interface NativeBatch {
  topic: string;
  partition: number;
  messages: NativeMessage[];
  highWatermark?: string;
}

export class ConfluentConsumerDriver implements ConsumerDriver {
  private consumer: NativeClient | undefined;
  private topics: string[] = [];
  private owned: TopicPartition[] = [];
  private sink: BatchSink | undefined;
  /** Settles `start`: the first assignment, or a fatal error before it. */
  private joining: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private stopped = false;
  /** The fatal error the client stopped on for good, if any. */
  private crashed: Error | undefined;
  private readonly session = new Session();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly consumerConfig: ResolvedConsumerConfig,
  ) {
    // A classic-only property in `options` under the consumer protocol is refused now, at
    // `getConsumer`, not at the first `subscribe`.
    groupProtocolProperties(config, consumerConfig.groupProtocol);
  }

  /** Checks the broker can be reached; the client's consumer is made at `subscribe`. */
  async connect(): Promise<void> {
    await probe(this.config, this.session);
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
    const { groupId, sessionTimeout, maxBatchSize, isolationLevel, groupProtocol } = this.consumerConfig;
    const budget = fetchBudget(this.consumerConfig);
    const consumer = newKafka(this.config, this.session).consumer({
      // The isolation level is always passed: librdkafka's default is read_committed, ours
      // Apache Kafka's read_uncommitted (the client's readUncommitted is `isolation.level`).
      // Under the consumer protocol (KIP-848) the broker owns the session timeout: the KafkaJS
      // layer refuses a `sessionTimeout` then, and librdkafka a `session.timeout.ms`.
      kafkaJS: {
        groupId,
        fromBeginning,
        autoCommit: false,
        ...(groupProtocol === "classic" ? { sessionTimeout } : {}),
        readUncommitted: isolationLevel === "read_uncommitted",
      },
      ...groupProtocolProperties(this.config, groupProtocol),
      "js.consumer.max.batch.size": maxBatchSize,
      "fetch.wait.max.ms": 500,
      // The memory budget: librdkafka's prefetch queue (its `fetch.max.bytes` follows it: librdkafka
      // sets it to the queue's size, never below `message.max.bytes`, which a budget under 1 MB
      // set explicitly would be refused for), the partition's share, and the client's own cache of
      // messages taken from librdkafka (bounded in time, not bytes: 1.5 s of consumption by
      // default, which at 100,000 msg/s is 150,000 messages; 100 ms keeps it small).
      "max.partition.fetch.bytes": budget.maxBytesPerPartition,
      "queued.max.messages.kbytes": Math.max(1, Math.ceil(budget.maxBytes / 1024)),
      "js.consumer.max.cache.size.per.worker.ms": CACHE_MS,
      ...librdkafkaProperties(this.config, "consumer"),
      rebalance_cb: (err: { code: number }, assignment: TopicPartition[]) => this.rebalanced(err.code, assignment),
    });
    await connectWithin(consumer, this.config, this.session);
    this.consumer = consumer;
    this.topics = [...topics];
    this.crashed = undefined;
    // librdkafka logs a fatal error at severity 0, which the KafkaJS layer does not pass on (its
    // fetch loop then logs only "Local: Fatal error", which LoopReporter catches too): the
    // underlying client (the one `dependentAdmin()` builds on) has the line with the reason.
    const internal = (consumer["_getInternalClient"] as (() => { on(event: "event.log", listener: (log: LowLevelLog) => void): void } | undefined) | undefined)?.call(consumer);
    internal?.on("event.log", (log) => {
      const fatal = fatalError(log.severity, log.fac, log.message);
      if (fatal && this.consumer === consumer) this.fatal(fatal);
    });
  }

  private async rebalanced(code: number, assignment: readonly TopicPartition[]): Promise<void> {
    // A crashed member's partitions were given back already; it takes none again.
    if (this.crashed) return;
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    if (code === REVOKE) {
      await this.sink?.revoked(tps);
      this.owned = this.owned.filter((o) => !tps.some((t) => t.topic === o.topic && t.partition === o.partition));
    } else if (code === ASSIGN) {
      this.owned = [...this.owned, ...tps.filter((t) => !this.owned.some((o) => o.topic === t.topic && o.partition === t.partition))];
      // The client applies the assignment once this callback returned: no message of it yet.
      this.sink?.assigned(this.owned);
      this.joining?.resolve();
      this.joining = undefined;
    }
  }

  /**
   * The client stopped for good: before the join, `start` fails with it; after, core is told
   * (`crashed`), then given the partitions back (the client fetches and commits nothing more;
   * a static member was fenced by its replacement, which owns them already).
   */
  private fatal(error: Error): void {
    if (this.crashed) return;
    this.crashed = error;
    this.session.report = undefined;
    if (this.joining) {
      this.joining.reject(error);
      this.joining = undefined;
      return;
    }
    const sink = this.sink;
    if (!sink) return;
    this.stopped = true;
    sink.crashed(error);
    const lost = this.owned;
    this.owned = [];
    if (lost.length > 0) void sink.revoked(lost);
  }

  async start(sink: BatchSink): Promise<void> {
    if (this.crashed) throw this.crashed;
    this.sink = sink;
    this.stopped = false;
    const loop = new LoopReporter(sink, (error) => this.fatal(error));
    const join = new Promise<void>((resolve, reject) => (this.joining = { resolve, reject }));
    // A failure before `run()` returned is awaited below, not unhandled.
    join.catch(() => undefined);
    const consumer = this.consumer!;
    await this.session.call(() => consumer.subscribe({ topics: this.topics }));
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }: { batch: NativeBatch }) => {
        if (this.stopped || batch.messages.length === 0) return;
        loop.fetched();
        const { topic, partition } = batch;
        const messages = batch.messages.map((m) => normalizeIncoming({ topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp }));
        await sink.deliver({ topic, partition, messages, ...(batch.highWatermark ? { highWatermark: String(batch.highWatermark) } : {}) });
      },
    });
    // Fails at once on an authentication error or when every broker is lost (the client would
    // keep trying); core bounds the wait with the group-join timeout.
    await this.session.reachable(join);
    // Joined: from now on, what goes wrong in the client's fetch loop goes to `onError` (before,
    // it is what `run()` itself fails with).
    this.session.report = (level, line) => !this.stopped && loop.report(level, line);
  }

  /** The client has no `stop`: pause everything (core waits for its deliveries). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.session.report = undefined;
    if (this.owned.length > 0) this.consumer?.pause(this.byTopic(this.owned));
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    // The client would queue it and never send it: it could only time out.
    if (this.crashed) throw stateError("CONSUMER_CRASHED", `the consumer's client stopped for good after: ${this.crashed.message}; nothing more is committed (disconnect it and run a new one)`, { groupId: this.consumerConfig.groupId });
    await commitConfirmed(this.consumer!, this.session, offsets, this.config.requestTimeout);
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
