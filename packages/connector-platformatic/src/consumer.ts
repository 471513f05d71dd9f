/**
 * The platformatic consumer driver.
 *
 * platformatic's `MessagesStream` fetches every assigned partition, pauses only as a whole, has
 * no seek, starts at LATEST by default and, with autocommit, commits a fetched batch before it is
 * processed. So this driver keeps platformatic for what it does well (group membership,
 * heartbeats, metadata, fetch sessions, commits) and runs its own fetch loop over the public
 * `Consumer.fetch()`, with one position per partition:
 *
 * - positions start at the committed offset, else earliest or latest per `fromBeginning`;
 * - a paused partition is left out of the fetch requests; a seek sets the position and bumps the
 *   partition's epoch, so data fetched or queued before it is dropped;
 * - one batch per partition is prefetched while the previous one is being delivered;
 * - commits go through core (`commit`), never platformatic's autocommit;
 * - before every JoinGroup (platformatic's `protocolsMetadata` hook, which it awaits), in-flight
 *   deliveries are awaited and `sink.revoked` is called with everything owned (eager protocol).
 */
import { normalizeIncoming, qiError, toQiError, withTimeout, type BatchSink, type ConsumedMessage, type ConsumerConfig, type ConsumerDriver, type ResolvedConfig, type TopicPartition, type TopicPartitionOffset } from "@qi/streaming";
import { Admin, ConnectionPool, Consumer, type ConnectionOptions, type ConsumerGroupJoinPayload, type ConsumerOptions } from "@platformatic/kafka";
import { probe } from "./metadata.js";
import { baseOptions, message, pick, PLATFORMATIC_OPTIONS, routeLogs } from "./options.js";

/** Record batch attributes. */
const IS_CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;
const EARLIEST = -2n;
const LATEST = -1n;

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** Next offset to fetch; undefined until known. */
  position: bigint | undefined;
  /** Bumped by every seek: data fetched or queued under an older epoch is dropped. */
  epoch: number;
  paused: boolean;
  /** A position set by `seek` that the next assignment must keep. */
  seeked: boolean;
  /** A delivery to core is running. */
  busy: boolean;
  /** The next batch, fetched while the previous one was being delivered. */
  prefetched: Fetched | undefined;
}

/** Messages fetched for one partition under one epoch, with the partition's end then (for lag). */
interface Fetched {
  readonly epoch: number;
  readonly messages: ConsumedMessage[];
  readonly highWatermark: string;
}

const keyOf = (topic: string, partition: number): string => `${partition}:${topic}`;

/** What `Consumer.fetch()` answers (the type is not exported by name). */
type FetchResponse = Awaited<ReturnType<Consumer["fetch"]>>;
type FetchPartition = { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number };

export class PlatformaticConsumerDriver implements ConsumerDriver {
  private consumer: Consumer | undefined;
  private readonly cleanups: (() => void)[] = [];
  private topics: string[] = [];
  private fromBeginning = false;
  private sink: BatchSink | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  /**
   * Fetches long-poll: on the connection of the group requests (heartbeats, commits) they would
   * hold those up by up to `maxWaitTime`. Like platformatic's own streams, fetch on a pool of its own.
   */
  private fetchPool: ConnectionPool | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly parts = new Map<string, PartitionState>();
  private owned: TopicPartition[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Between the pre-join hook (everything revoked) and the next assignment. */
  private revoking = false;
  /** Partitions revoked by the last pre-join hook, and the generation they were owned in. */
  private revoked: { keys: Set<string>; generation: number } | undefined;
  /** Resolves once the positions of the latest assignment are known. */
  private assigning: Promise<void> = Promise.resolve();
  private readonly sessionTimeout: number;
  private readonly maxBatchSize: number;
  private readonly maxWaitTime: number;
  private readonly maxBytesPerPartition: number;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly consumerConfig: ConsumerConfig,
  ) {
    const o = config.options;
    this.sessionTimeout = consumerConfig.sessionTimeout ?? 30_000;
    this.maxBatchSize = consumerConfig.maxBatchSize ?? 500;
    // Java's fetch.max.wait.ms: a partition that becomes ready waits at most this for a fetch in flight.
    this.maxWaitTime = (o.maxWaitTime as number | undefined) ?? 500;
    this.maxBytesPerPartition = (o.maxBytesPerPartition as number | undefined) ?? 1_048_576;
  }

  /** A closed platformatic client cannot reopen: `connect` after `disconnect` makes a new one. */
  private client(): Consumer {
    if (!this.consumer) {
      const passed = pick(this.config.options, PLATFORMATIC_OPTIONS.consumer);
      const options: ConsumerOptions<Buffer, Buffer, Buffer, Buffer> = {
        ...baseOptions(this.config),
        groupId: this.consumerConfig.groupId,
        sessionTimeout: this.sessionTimeout,
        rebalanceTimeout: Math.max(this.sessionTimeout, 60_000),
        heartbeatInterval: Math.min(3000, Math.floor(this.sessionTimeout / 3)),
        autocommit: false,
        maxWaitTime: this.maxWaitTime,
        maxBytesPerPartition: this.maxBytesPerPartition,
        ...passed,
        // Awaited by platformatic before every JoinGroup: our "partitions revoked" moment.
        protocolsMetadata: () => this.beforeJoin().then(() => Buffer.alloc(0)),
      } as ConsumerOptions<Buffer, Buffer, Buffer, Buffer>;
      const consumer = new Consumer(options);
      this.consumer = consumer;
      this.cleanups.push(routeLogs(consumer, this.config.logger, "consumer", { errors: false }));
      const onError = (error: unknown): void => {
        if (this.sink) this.sink.error(error);
        else this.config.logger.error(`platformatic consumer: ${message(error)}`);
      };
      const onJoin = (payload: ConsumerGroupJoinPayload): void => this.onJoin(payload);
      consumer.on("error", onError);
      consumer.on("consumer:group:join", onJoin);
      this.cleanups.push(() => {
        consumer.removeListener("error", onError);
        consumer.removeListener("consumer:group:join", onJoin);
      });
    }
    return this.consumer;
  }

  async connect(): Promise<void> {
    await probe(this.client(), () => this.close());
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    this.topics = [...new Set([...this.topics, ...topics])];
    this.fromBeginning = fromBeginning;
  }

  async start(sink: BatchSink): Promise<void> {
    this.sink = sink;
    const consumer = this.client();
    this.running = true;
    consumer.topics.trackAll(...this.topics);
    const joined = (async () => {
      await consumer.joinGroup({});
      await this.assigning;
    })();
    try {
      await withTimeout(joined, this.sessionTimeout + this.config.requestTimeout, () =>
        qiError("TIMEOUT", "GROUP_JOIN_TIMEOUT", `the consumer did not join group "${this.consumerConfig.groupId}" in time`, { retriable: true }),
      );
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.fetchPool = new ConnectionPool(this.config.clientId, baseOptions(this.config) as ConnectionOptions);
    this.loop = this.fetchLoop();
  }

  // ---- group membership -------------------------------------------------------------------

  /** Before a JoinGroup: finish in-flight deliveries, then give everything away (eager protocol). */
  private async beforeJoin(): Promise<void> {
    if (this.revoking || this.owned.length === 0) return;
    this.revoking = true;
    const owned = this.owned;
    await this.drain();
    this.revoked = { keys: new Set(owned.map((tp) => keyOf(tp.topic, tp.partition))), generation: this.consumer?.generationId ?? -1 };
    this.owned = [];
    for (const s of this.parts.values()) if (s.prefetched && s.prefetched.epoch === s.epoch) this.rewind(s, s.prefetched.messages[0]!.offset);
    try {
      await this.sink?.revoked(owned);
    } catch (error) {
      this.sink?.error(error);
    }
  }

  private onJoin(payload: ConsumerGroupJoinPayload): void {
    const now = (payload.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
    // Partitions owned in the previous generation and assigned again in the next one were owned
    // by no one else in between: their positions still hold.
    const revoked = this.revoked;
    const retained = revoked && payload.generationId === revoked.generation + 1 ? revoked.keys : new Set<string>();
    // A join without our hook (never expected with the classic protocol): revoke what moved.
    const lost = this.owned.filter((o) => !now.some((n) => n.topic === o.topic && n.partition === o.partition));
    if (lost.length > 0) void this.sink?.revoked(lost);
    this.revoked = undefined;
    this.revoking = false;
    this.owned = now;
    const unknown: PartitionState[] = [];
    const keys = new Set<string>();
    for (const tp of now) {
      const s = this.state(tp);
      keys.add(s.key);
      s.prefetched = undefined;
      if (s.seeked || (retained.has(s.key) && s.position !== undefined)) {
        s.seeked = false;
        continue;
      }
      s.position = undefined;
      unknown.push(s);
    }
    for (const [key, s] of this.parts) if (!keys.has(key) && !s.busy) this.parts.delete(key);
    this.assigning = this.initPositions(unknown)
      .catch((error: unknown) => this.sink?.error(error))
      .finally(() => this.wake());
  }

  /** The committed offset, else earliest or latest per `fromBeginning`. */
  private async initPositions(states: readonly PartitionState[]): Promise<void> {
    if (states.length === 0) return;
    const consumer = this.client();
    const epochs = new Map(states.map((s) => [s.key, s.epoch]));
    const byTopic = new Map<string, number[]>();
    for (const s of states) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition]);
    const committed = await consumer.listCommittedOffsets({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
    const missing: PartitionState[] = [];
    for (const s of states) {
      const offset = committed.get(s.topic)?.[s.partition];
      if (offset !== undefined && offset >= 0n) {
        if (epochs.get(s.key) === s.epoch) s.position = offset;
      } else missing.push(s);
    }
    if (missing.length === 0) return;
    const partitions: Record<string, number[]> = {};
    for (const s of missing) (partitions[s.topic] ??= []).push(s.partition);
    const offsets = await consumer.listOffsets({ topics: Object.keys(partitions), partitions, timestamp: this.fromBeginning ? EARLIEST : LATEST });
    for (const s of missing) {
      const offset = offsets.get(s.topic)?.[s.partition];
      if (offset !== undefined && epochs.get(s.key) === s.epoch) s.position = offset;
    }
  }

  // ---- fetching -----------------------------------------------------------------------------

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private owns(s: PartitionState): boolean {
    return this.owned.some((o) => o.topic === s.topic && o.partition === s.partition);
  }

  private async fetchLoop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const ready = this.revoking
        ? []
        : this.owned.map((tp) => this.parts.get(keyOf(tp.topic, tp.partition))).filter((s): s is PartitionState => !!s && s.position !== undefined && !s.paused && !s.prefetched);
      if (ready.length === 0) {
        await this.idle(1000);
        continue;
      }
      try {
        await this.fetchOnce(ready);
        failures = 0;
      } catch (error) {
        if (!this.running) break;
        failures++;
        const qi = toQiError(error, { connector: "platformatic", operation: "consumer.fetch", groupId: this.consumerConfig.groupId });
        // Transient failures (a leader moving, a broker restarting) are retried quietly; the rest are reported.
        if (qi.retriable && failures < 10) this.config.logger.warn(`platformatic consumer: fetch failed, retrying: ${qi.message}`, { code: qi.code });
        else this.sink?.error(error);
        await this.idle(Math.min(this.config.retry.maxRetryTimeMs, this.config.retry.initialRetryTimeMs * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }

  private async fetchOnce(ready: readonly PartitionState[]): Promise<void> {
    const consumer = this.client();
    const metadata = await consumer.metadata({ topics: this.topics });
    const byNode = new Map<number, Map<string, FetchPartition[]>>();
    const names = new Map<string, string>();
    const requested = new Map<string, { epoch: number; offset: bigint }>();
    let leaderless = false;
    for (const s of ready) {
      const t = metadata.topics.get(s.topic);
      const leader = t?.partitions[s.partition]?.leader;
      if (!t || leader === undefined || leader < 0) {
        leaderless = true;
        continue;
      }
      names.set(t.id, s.topic);
      let topics = byNode.get(leader);
      if (!topics) byNode.set(leader, (topics = new Map()));
      let list = topics.get(t.id);
      if (!list) topics.set(t.id, (list = []));
      list.push({ partition: s.partition, fetchOffset: s.position!, partitionMaxBytes: this.maxBytesPerPartition, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
      requested.set(s.key, { epoch: s.epoch, offset: s.position! });
    }
    if (leaderless) consumer.clearMetadata();
    if (byNode.size === 0) {
      await this.idle(100);
      return;
    }
    const results = await Promise.allSettled(
      [...byNode].map(([node, topics]) =>
        consumer.fetch({ node, topics: [...topics].map(([topicId, partitions]) => ({ topicId, partitions })), maxWaitTime: this.maxWaitTime, ...(this.fetchPool ? { connectionPool: this.fetchPool } : {}) }),
      ),
    );
    let failure: unknown;
    for (const r of results) {
      if (r.status === "fulfilled") this.accept(r.value, names, requested);
      else {
        // A partition-level error fails the whole request; the other partitions' data still counts.
        const response = (r.reason as { response?: FetchResponse } | null)?.response;
        if (response?.responses) {
          this.accept(response, names, requested);
          if (this.resetOutOfRange(response, names, requested)) continue;
        }
        failure ??= r.reason;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** OFFSET_OUT_OF_RANGE: the position fell off the log; restart at earliest or latest. */
  private resetOutOfRange(response: FetchResponse, names: Map<string, string>, requested: Map<string, { epoch: number; offset: bigint }>): boolean {
    let onlyOutOfRange = true;
    for (const t of response.responses) {
      const topic = names.get(t.topicId);
      for (const p of t.partitions) {
        if (p.errorCode === 0) continue;
        if (p.errorCode !== 1 || topic === undefined) {
          onlyOutOfRange = false;
          continue;
        }
        const s = this.parts.get(keyOf(topic, p.partitionIndex));
        const req = requested.get(keyOf(topic, p.partitionIndex));
        if (!s || !req || s.epoch !== req.epoch) continue;
        const reset = this.fromBeginning ? p.logStartOffset : p.highWatermark;
        this.config.logger.warn(`platformatic consumer: offset ${req.offset} is out of range for ${topic}[${p.partitionIndex}], resetting to ${reset}`);
        s.position = reset >= 0n ? reset : undefined;
        if (s.position === undefined) this.assigning = this.initPositions([s]).catch((e: unknown) => this.sink?.error(e));
      }
    }
    return onlyOutOfRange;
  }

  private accept(response: FetchResponse, names: Map<string, string>, requested: Map<string, { epoch: number; offset: bigint }>): void {
    for (const t of response.responses) {
      const topic = names.get(t.topicId);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const key = keyOf(topic, p.partitionIndex);
        const req = requested.get(key);
        const s = this.parts.get(key);
        if (!req || !s || p.errorCode !== 0 || !p.records || p.records.length === 0) continue;
        // Seeked, paused or given away since the request was made: the data is stale.
        if (s.epoch !== req.epoch || s.position !== req.offset || s.paused || this.revoking || !this.running || !this.owns(s)) continue;
        const messages: ConsumedMessage[] = [];
        let next = req.offset;
        for (const batch of p.records) {
          const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
          if (last + 1n > next) next = last + 1n;
          if (batch.attributes & IS_CONTROL) continue;
          for (const r of batch.records) {
            const offset = batch.firstOffset + BigInt(r.offsetDelta);
            if (offset < req.offset) continue;
            const timestamp = batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta;
            messages.push(normalizeIncoming({ topic, partition: p.partitionIndex, offset, key: r.key, value: r.value, headers: r.headers, timestamp }));
          }
        }
        s.position = next;
        if (messages.length === 0) continue;
        const fetched: Fetched = { epoch: s.epoch, messages, highWatermark: String(p.highWatermark) };
        if (s.busy) s.prefetched = fetched;
        else this.deliver(s, fetched);
      }
    }
  }

  // ---- delivery -----------------------------------------------------------------------------

  private deliver(s: PartitionState, fetched: Fetched): void {
    s.busy = true;
    const run: Promise<void> = this.deliverChunks(s, fetched).finally(() => {
      s.busy = false;
      this.inFlight.delete(run);
      const next = s.prefetched;
      s.prefetched = undefined;
      if (next && next.epoch === s.epoch && !s.paused && this.running && !this.revoking && this.owns(s)) this.deliver(s, next);
      else if (next && next.epoch === s.epoch) this.rewind(s, next.messages[0]!.offset);
      this.wake();
    });
    this.inFlight.add(run);
  }

  /** Hands the messages to core in batches of at most `maxBatchSize`. */
  private async deliverChunks(s: PartitionState, { epoch, messages, highWatermark }: Fetched): Promise<void> {
    for (let i = 0; i < messages.length; i += this.maxBatchSize) {
      if (s.epoch !== epoch) return; // core sought (a pause, a failure, the user): it placed the position
      if (i > 0 && (!this.running || this.revoking || s.paused)) {
        this.rewind(s, messages[i]!.offset);
        return;
      }
      try {
        await this.sink!.deliver({ topic: s.topic, partition: s.partition, messages: messages.slice(i, i + this.maxBatchSize), highWatermark });
      } catch (error) {
        this.sink?.error(error);
        return;
      }
    }
  }

  /** Puts the position back to the first message not handed over. */
  private rewind(s: PartitionState, offset: string): void {
    s.position = BigInt(offset);
    s.epoch++;
    s.prefetched = undefined;
  }

  /** Waits until no delivery is running (deliveries can chain prefetched batches). */
  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // ---- control ------------------------------------------------------------------------------

  private state(tp: TopicPartition): PartitionState {
    const key = keyOf(tp.topic, tp.partition);
    let s = this.parts.get(key);
    if (!s) {
      s = { topic: tp.topic, partition: tp.partition, key, position: undefined, epoch: 0, paused: false, seeked: false, busy: false, prefetched: undefined };
      this.parts.set(key, s);
    }
    return s;
  }

  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.wake();
      await this.loop?.catch(() => {});
      this.loop = undefined;
      const pool = this.fetchPool;
      this.fetchPool = undefined;
      await pool?.close().catch(() => {});
    }
    await this.drain();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const consumer = this.client();
    if (consumer.memberId === null) {
      // Not a member (before run()): platformatic's commit would answer ILLEGAL_GENERATION by
      // joining the group. Kafka takes offsets for a group without members from the admin API.
      const admin = new Admin(baseOptions(this.config));
      try {
        const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
        for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: BigInt(o.offset) }]);
        await admin.alterConsumerGroupOffsets({ groupId: this.consumerConfig.groupId, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
      } finally {
        await admin.close().catch(() => {});
      }
      return;
    }
    await consumer.commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) });
  }

  async seek(tp: TopicPartition, offset: string): Promise<void> {
    const s = this.state(tp);
    this.rewind(s, offset);
    s.seeked = !this.owns(s);
    this.wake();
  }

  async pause(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.state(tp).paused = true;
  }

  async resume(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.state(tp).paused = false;
    this.wake();
  }

  assignment(): readonly TopicPartition[] {
    return this.owned;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    await this.close();
  }

  /** Leaves the group (platformatic's close does) and drops the client. */
  private async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.owned = [];
    this.parts.clear();
    this.topics = [];
    this.revoking = false;
    this.revoked = undefined;
    this.sink = undefined;
    try {
      await consumer?.close();
    } finally {
      // After close: platformatic may still emit an error while leaving, and an unheard one throws.
      for (const cleanup of this.cleanups.splice(0)) cleanup();
    }
  }

  native(): unknown {
    return this.client();
  }
}
