/**
 * The public consumer. Everything that makes consumption behave the same on every backend
 * lives here: handler retries and the failure policy, commit only after a handler succeeded
 * (at-least-once), pause/seek taking effect at the next message boundary, and a disconnect
 * that finishes in-flight work, commits and leaves the group.
 */
import { err, errAsync, ok, type Result, type ResultAsync } from "neverthrow";
import type { BatchSink, ConnectorContext, ConsumerDriver, IStreamingConnector } from "../connector.js";
import { capabilitiesOf } from "../connector.js";
import type { ResolvedConsumerConfig } from "../config/roles.js";
import { handlerError, toQiError } from "../errors/classify.js";
import { qiError, stateError, unsupportedError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { EachMessageHandler, IStreamingConsumer, RunConfig, SubscriptionConfig } from "../interfaces.js";
import type { ConsumedBatch, ConsumedMessage, TopicPartition, TopicPartitionOffset } from "../messages/types.js";
import { partitionKey } from "../partitioner/router.js";
import { checkTimestamp } from "./admin-checks.js";
import { attempt, promiseOf, withTimeout } from "./attempt.js";
import { commitWithoutJoining, offsetForTime, partitionStandings, requireTopics } from "./consumer-admin.js";
import { CommitPipeline } from "./commit-pipeline.js";
import { checkConcurrency, checkOffsets, checkPartitions, checkRunConfig, checkSubscription, checkTopicPartitionOffset, type CheckedHandler } from "./consumer-checks.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import { ConsumerEvents, type ConsumerEventListener, type ConsumerEventName } from "./consumer-events.js";
import { FailurePolicyRunner } from "./failure-policy.js";
import { runWithRetry, Sleeper } from "./handler-runner.js";
import { Lifecycle } from "./lifecycle.js";
import { commitSliceOffsets, handleSliceExactlyOnce, readExactlyOnce } from "./exactly-once.js";
import type { GuardedProducer } from "./producer.js";
import { registerMember } from "./transaction.js";
import { ConcurrentDelivery, type ConcurrencyHost } from "./concurrent-delivery.js";
import { InFlight } from "./in-flight.js";
import { isMembershipError, StallWatch, type StallHost } from "./stall-watch.js";

export class GuardedConsumer implements IStreamingConsumer {
  private readonly lifecycle = new Lifecycle("consumer");
  private readonly sleeper = new Sleeper();
  private readonly policy: FailurePolicyRunner;
  private readonly commits: CommitPipeline;
  private subscribed = false;
  /** Set by the `stop` failure policy: the driver is stopped once the delivery has committed. */
  private failedStop = false;
  private running = false;
  private stopping = false;
  private handler: CheckedHandler | undefined;
  /** The transactional producer of an exactly-once `run()`: slices commit through its transactions. */
  private exactlyOnce: GuardedProducer | undefined;
  private readonly paused = new Set<string>();
  /** Partitions being revoked: a delivery of one stops after the message (or slice) it is handling. */
  private readonly revoking = new Set<string>();
  /** Deliveries in progress: awaited before a revocation and on disconnect (up to `closeTimeoutMs`, then abandoned). */
  private readonly inFlight = new InFlight();
  /** Bumped by every seek, so a delivery in progress knows to stop. */
  private readonly seekEpoch = new Map<string, number>();
  private readonly events: ConsumerEvents;
  /** `joined` is emitted once per `run()`, with the first assignment. */
  private joined = false;
  /** What the member owns as the events told it (`assigned`, `revoked`), so each partition is revoked once. */
  private owned = new Map<string, TopicPartition>();
  /** Why this member no longer consumes (the stop policy, a crash); cleared by `run()`. */
  private problem: QiError | undefined;
  /** `run({ concurrency })`: the lanes handlers run in; undefined for one handler per partition at a time. */
  private concurrent: ConcurrentDelivery | undefined;
  /** Per paused partition, the lowest offset it is to be fetched again from (a later, higher one must not win). */
  private readonly pausedAt = new Map<string, bigint>();
  /** Stall detection (`stallDetection`): handlers, fetches and the membership, watched while running. */
  private readonly stalls: StallWatch;
  /** The subscription's `fromBeginning`: where a partition with no commit starts (stall detection's lag). */
  private fromBeginning = false;

  /** ES-private: printing the role (inspect, JSON) never reaches the driver or its client, which hold credentials. */
  readonly #driver: ConsumerDriver;

  constructor(
    private readonly connector: IStreamingConnector,
    driver: ConsumerDriver,
    private readonly context: ConnectorContext,
    private readonly config: ResolvedConsumerConfig,
    private readonly telemetry?: Telemetry,
  ) {
    this.#driver = driver;
    registerMember(this, config.groupId, driver);
    this.policy = new FailurePolicyRunner(connector, context, config, (e) => this.report(e));
    this.events = new ConsumerEvents(config.groupId, context.logger, (event) => this.telemetry?.countEvent(event, config.groupId));
    this.stalls = new StallWatch(this.stallHost, config.stallDetection);
    this.commits = new CommitPipeline(
      (offsets) => this.#driver.commit(offsets),
      (error, tp) => this.report(toQiError(error, this.ctx("consumer.commit", tp), this.connector.classifyError)),
    );
  }

  private ctx(operation: string, extra: ErrorContext = {}): ErrorContext {
    return { connector: this.connector.name, operation, groupId: this.config.groupId, ...extra };
  }

  private op<T>(operation: string, fn: () => Promise<T>, check?: () => Result<void, QiError>): ResultAsync<T, QiError> {
    const context = this.ctx(operation);
    const state = this.lifecycle.require(operation, context);
    if (state.isErr()) return errAsync(state.error);
    let checked: Result<void, QiError> | undefined;
    try {
      checked = check?.();
    } catch (error) {
      // The checks read their input defensively; this is the guard's last line all the same.
      return errAsync(toQiError(error, context, this.connector.classifyError));
    }
    if (checked?.isErr()) return errAsync(checked.error);
    return attempt(fn, context, this.connector.classifyError);
  }

  connect(): ResultAsync<void, QiError> {
    return attempt(
      () =>
        this.lifecycle.connect(async () => {
          this.stopping = false;
          this.sleeper.reset();
          await this.#driver.connect();
        }),
      this.ctx("consumer.connect"),
      this.connector.classifyError,
    );
  }

  subscribe(config: SubscriptionConfig): ResultAsync<void, QiError> {
    const context = this.ctx("consumer.subscribe");
    let checked: Required<SubscriptionConfig> | undefined;
    return this.op(
      "consumer.subscribe",
      async () => {
        this.subscribed = false;
        try {
          await this.#driver.subscribe([...checked!.topics], checked!.fromBeginning);
        } catch (error) {
          // A client that refuses the missing topic itself (kafkajs) says so without its name: core's check names it.
          if (toQiError(error, context, this.connector.classifyError).category !== "NOT_FOUND") throw error;
        }
        // After the driver's subscribe: a backend that creates topics on demand (memory's autoCreateTopics) has made them.
        await requireTopics(this.connector, this.context, checked!.topics);
        this.fromBeginning = checked!.fromBeginning;
        this.subscribed = true;
      },
      () => {
        if (this.running) return err(stateError("ALREADY_RUNNING", "consumer.subscribe: subscribe before run()", context));
        const copy = checkSubscription(config, context);
        if (copy.isErr()) return err(copy.error);
        checked = copy.value;
        return ok(undefined);
      },
    );
  }

  /** Starts the handler; resolves once the group is joined (bounded by the join timeout). */
  run(config: RunConfig): ResultAsync<void, QiError> {
    const context = this.ctx("consumer.run");
    let handler: CheckedHandler | undefined;
    let exactlyOnce: GuardedProducer | undefined;
    let concurrency: ReturnType<typeof checkConcurrency> | undefined;
    return this.op(
      "consumer.run",
      async () => {
        this.handler = handler;
        this.exactlyOnce = exactlyOnce;
        const c = concurrency?.isOk() ? concurrency.value : undefined;
        this.concurrent = c ? new ConcurrentDelivery(this.host, c) : undefined;
        this.running = true;
        this.joined = false;
        this.problem = undefined;
        this.stalls.start();
        try {
          await withTimeout(this.#driver.start(this.sink), this.config.joinTimeoutMs, () =>
            qiError("TIMEOUT", "GROUP_JOIN_TIMEOUT", `the consumer did not join group "${this.config.groupId}" within ${this.config.joinTimeoutMs} ms`, { retriable: true }),
          );
          // A driver that does not report its assignment (`sink.assigned`): joined with what it owns now.
          if (!this.joined) this.assigned(this.assignment());
        } catch (error) {
          this.running = false;
          this.stalls.stop();
          throw error;
        }
      },
      () => {
        if (this.running) return err(stateError("ALREADY_RUNNING", "consumer.run: the consumer is already running", context));
        if (!this.subscribed) return err(stateError("NOT_SUBSCRIBED", "consumer.run: call subscribe() first", context));
        const checked = checkRunConfig(config, context);
        if (checked.isErr()) return err(checked.error);
        if ("eachBatch" in checked.value && !capabilitiesOf(this.connector).eachBatch) return err(unsupportedError("eachBatch", context));
        handler = checked.value;
        const transactional = readExactlyOnce(config, context);
        if (transactional.isErr()) return err(transactional.error);
        exactlyOnce = transactional.value;
        concurrency = checkConcurrency(config, "eachBatch" in handler, exactlyOnce !== undefined, context);
        if (concurrency.isErr()) return err(concurrency.error);
        return ok(undefined);
      },
    );
  }

  /** Commits what was processed, or the given offsets; before `run()`, through the admin API (no group join). */
  commitOffsets(offsets?: readonly TopicPartitionOffset[]): ResultAsync<void, QiError> {
    const context = this.ctx("consumer.commitOffsets");
    let explicit: TopicPartitionOffset[] | undefined;
    return this.op(
      "consumer.commitOffsets",
      async () => {
        if (!this.running && explicit !== undefined && explicit.length > 0) {
          // Before run() the member has not joined: the admin API commits for the group, where the connector has it.
          if (!(await commitWithoutJoining(this.connector, this.context, this.config.groupId, explicit))) await this.#driver.commit(explicit);
          return;
        }
        await (explicit ? this.commits.commitThese(explicit) : this.commits.commitPending());
      },
      () => {
        const checked = checkOffsets(offsets, context);
        if (checked.isErr()) return err(checked.error);
        explicit = checked.value;
        return ok(undefined);
      },
    );
  }

  seek(topic: string, partition: number, offset: string): ResultAsync<void, QiError> {
    const context = this.ctx("consumer.seek");
    let tpo: TopicPartitionOffset | undefined;
    return this.op(
      "consumer.seek",
      async () => {
        const t = tpo!;
        const key = partitionKey(t.topic, t.partition);
        this.seekEpoch.set(key, (this.seekEpoch.get(key) ?? 0) + 1);
        this.commits.forget(t.topic, t.partition);
        this.pausedAt.delete(key);
        this.concurrent?.forget(key);
        this.stalls.touched(t, t.offset);
        await this.#driver.seek({ topic: t.topic, partition: t.partition }, t.offset);
      },
      () => {
        if (!capabilitiesOf(this.connector).seek) return err(unsupportedError("seek", context));
        if (!this.running) return err(stateError("NOT_RUNNING", "consumer.seek: call run() first", context));
        const r = checkTopicPartitionOffset({ topic, partition, offset }, context);
        if (r.isErr()) return err(r.error);
        tpo = r.value;
        return ok(undefined);
      },
    );
  }

  /**
   * Seeks the partition to its first message at or after `timestamp` (its latest offset when
   * there is none): the offset comes from the connector's admin, as `admin.fetchTopicOffsetsByTimestamp`.
   */
  seekToTimestamp(topic: string, partition: number, timestamp: number): ResultAsync<string, QiError> {
    const context = this.ctx("consumer.seekToTimestamp");
    let checked: { topic: string; partition: number; timestamp: number } | undefined;
    return this.op(
      "consumer.seekToTimestamp",
      async () => {
        const { topic: t, partition: p, timestamp: ts } = checked!;
        const offset = await offsetForTime(this.connector, this.context, t, p, ts, context);
        const sought = await this.seek(t, p, offset);
        if (sought.isErr()) throw sought.error;
        return offset;
      },
      () => {
        if (!capabilitiesOf(this.connector).seek) return err(unsupportedError("seek", context));
        if (!this.running) return err(stateError("NOT_RUNNING", "consumer.seekToTimestamp: call run() first", context));
        const r = checkTopicPartitionOffset({ topic, partition, offset: "0" }, context).andThen((tp) => checkTimestamp(timestamp, context).map((ts) => ({ topic: tp.topic, partition: tp.partition, timestamp: ts })));
        if (r.isErr()) return err(r.error);
        checked = r.value;
        return ok(undefined);
      },
    );
  }

  pause(partitions: readonly TopicPartition[]): ResultAsync<void, QiError> {
    return this.pauseOrResume("consumer.pause", partitions, true);
  }

  resume(partitions: readonly TopicPartition[]): ResultAsync<void, QiError> {
    return this.pauseOrResume("consumer.resume", partitions, false);
  }

  private pauseOrResume(operation: string, partitions: readonly TopicPartition[], pause: boolean): ResultAsync<void, QiError> {
    const context = this.ctx(operation);
    let tps: TopicPartition[] = [];
    return this.op(
      operation,
      async () => {
        for (const tp of tps) {
          const key = partitionKey(tp.topic, tp.partition);
          if (pause) {
            if (this.paused.has(key)) continue;
            this.paused.add(key);
            // At once, before any other unit can start: what waits is taken back, fetched again on resume.
            this.concurrent?.pause(key, tp);
          } else {
            this.paused.delete(key);
            this.pausedAt.delete(key);
            this.stalls.touched(tp);
          }
        }
        await (pause ? this.#driver.pause(tps) : this.#driver.resume(tps));
      },
      () => {
        if (!capabilitiesOf(this.connector).pauseResume) return err(unsupportedError(operation, context));
        if (!this.running) return err(stateError("NOT_RUNNING", `${operation}: call run() first`, context));
        const checked = checkPartitions(partitions, context);
        if (checked.isErr()) return err(checked.error);
        tps = checked.value;
        return ok(undefined);
      },
    );
  }

  assignment(): readonly TopicPartition[] {
    if (!this.running) return [];
    try {
      const owned: unknown = this.#driver.assignment();
      if (Array.isArray(owned)) return owned as TopicPartition[];
      // Not an array: a driver bug, reported; a promise it returned must not reject unhandled.
      if (typeof (owned as { then?: unknown } | null)?.then === "function") (owned as Promise<unknown>).then(undefined, () => undefined);
      this.report(qiError("INTERNAL", "BAD_ASSIGNMENT", "the connector's assignment() returned no array", { context: this.ctx("consumer.assignment") }));
      return [];
    } catch (error) {
      this.report(toQiError(error, this.ctx("consumer.assignment"), this.connector.classifyError));
      return [];
    }
  }

  /**
   * Aborts the handlers' signals, waits for them up to `closeTimeoutMs` (then abandons them,
   * reported to `onError`, their messages not committed), commits, stops fetching and leaves
   * the group, those steps bounded by `closeTimeoutMs` too: it settles within twice that.
   */
  disconnect(): ResultAsync<void, QiError> {
    const bound = this.config.closeTimeoutMs;
    return attempt(
      () =>
        this.lifecycle.disconnect(async () => {
          // From here a new delivery hands nothing to the handler; back-offs end, signals abort.
          this.stopping = true;
          this.concurrent?.close();
          this.stalls.stop();
          this.sleeper.abort(stateError("CONSUMER_CLOSING", "the consumer is disconnecting", this.ctx("consumer.disconnect")));
          const closeBy = Date.now() + 2 * bound;
          const wasMember = this.running;
          const left = (): number => Math.max(1, closeBy - Date.now());
          try {
            if (this.running) {
              // Finish in-flight handlers and commit while the client can still commit,
              // then stop fetching.
              if (!(await this.inFlight.idle(undefined, bound))) this.abandon(bound);
              // Leaving gives every partition away: revoked (once) before the last commit.
              await this.emitRevoked([...this.owned.values()]);
              await this.closing(async () => {
                if (this.config.autoCommit) await this.commits.commitPending();
                await this.#driver.stop();
              }, left());
              if (!(await this.inFlight.idle(undefined, left()))) this.abandon(bound);
            }
          } finally {
            this.running = false;
            this.subscribed = false;
            this.paused.clear();
            this.pausedAt.clear();
            await this.policy.close();
            await this.closing(() => this.#driver.disconnect(), left());
            if (wasMember) await this.events.emit("left", { groupId: this.config.groupId });
          }
        }),
      this.ctx("consumer.disconnect"),
      this.connector.classifyError,
    );
  }

  /** Runs a step of closing the client, failing it with `TIMEOUT` past `ms`. */
  private closing(step: () => Promise<void>, ms: number): Promise<void> {
    return withTimeout(promiseOf(step), ms, () =>
      qiError("TIMEOUT", "CLOSE_TIMED_OUT", `consumer.disconnect: the client did not close within ${ms} ms (closeTimeoutMs ${this.config.closeTimeoutMs})`, { retriable: true, context: this.ctx("consumer.disconnect") }),
    );
  }

  /** Gives up on the handlers still running: the driver goes on without them; reported once. */
  private abandon(waited: number): void {
    const partitions = this.inFlight.abandonAll();
    if (partitions.length === 0) return;
    this.report(
      qiError("HANDLER", "HANDLER_ABANDONED", `consumer.disconnect: ${partitions.length} handler(s) still running after ${waited} ms (closeTimeoutMs) were abandoned; their messages are not committed`, {
        context: this.ctx("consumer.disconnect", { partitions }),
      }),
    );
  }

  isConnected(): boolean {
    return this.lifecycle.isConnected();
  }

  on<E extends ConsumerEventName>(event: E, listener: ConsumerEventListener<E>): () => void {
    return this.events.on(event, listener);
  }

  /** Why the member stopped consuming (the stop policy, a crash) and the stalls in progress, while it is connected. */
  healthProblems(): QiError[] {
    if (!this.lifecycle.isConnected()) return [];
    return [...(this.problem ? [this.problem] : []), ...this.stalls.problems()];
  }

  /**
   * The user's last word on partitions about to move (flush state), after their handlers
   * finished and before their offsets are committed; each owned partition once.
   */
  private async emitRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    const leaving = partitions.filter((p) => this.owned.delete(partitionKey(p.topic, p.partition))).map((p) => ({ topic: p.topic, partition: p.partition }));
    if (leaving.length > 0) await this.events.emit("revoked", { partitions: leaving }, this.config.closeTimeoutMs);
  }

  /** The driver took these partitions: `joined` first after `run()`, then `assigned`. */
  private assigned(partitions: readonly TopicPartition[]): void {
    const tps = partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    this.owned = new Map(tps.map((tp) => [partitionKey(tp.topic, tp.partition), tp]));
    this.stalls.assigned(tps);
    if (!this.joined) {
      this.joined = true;
      void this.events.emit("joined", { groupId: this.config.groupId, assignment: tps });
    }
    void this.events.emit("assigned", { partitions: tps });
  }

  getNativeClient(): unknown {
    try {
      return this.#driver.native();
    } catch {
      return undefined;
    }
  }

  private report(error: QiError): void {
    this.context.logger.error(error.message, { code: error.code, category: error.category, context: error.context });
    try {
      this.config.onError?.(error);
    } catch {
      // A throwing onError must not break the consume loop.
    }
  }

  /** The callbacks the driver calls. */
  private readonly sink: BatchSink = {
    deliver: (batch) => {
      let key: string;
      try {
        key = partitionKey(batch.topic, batch.partition);
      } catch {
        key = "?";
      }
      this.stalls.received(batch);
      // Never rejects, whatever the handler throws or returns: the driver's fetch loop awaits it.
      if (this.concurrent) return promiseOf(() => this.concurrent!.accept(batch)).catch((error: unknown) => this.report(toQiError(error, this.ctx("consumer.deliver"), this.connector.classifyError)));
      // One partition at a time: while a handler runs, the client fetches for no partition.
      this.stalls.busy();
      return this.track(key, async () => {
        await this.deliver(batch);
        this.stalls.busy();
      });
    },
    assigned: (partitions) => {
      try {
        this.assigned([...partitions]);
      } catch (error) {
        this.report(toQiError(error, this.ctx("consumer.assigned"), this.connector.classifyError));
      }
    },
    crashed: (error) => {
      const e = toQiError(error, this.ctx("consumer.fetch"), this.connector.classifyError);
      this.problem = e;
      this.stalls.stop();
      this.report(e);
      void this.events.emit("crashed", { error: e });
    },
    revoked: async (partitions) => {
      const keys = new Set([...partitions].map((p) => partitionKey(p.topic, p.partition)));
      for (const key of keys) {
        this.pausedAt.delete(key);
        this.revoking.add(key);
      }
      this.concurrent?.revoke(keys);
      // Bounded: a handler that never returns must not hold the group's rebalance forever.
      if (!(await this.inFlight.idle(keys, this.config.closeTimeoutMs))) this.abandonRevoked(keys);
      for (const key of keys) this.revoking.delete(key);
      this.concurrent?.revoked(keys);
      await this.emitRevoked(partitions);
      this.stalls.revoked(partitions, this.owned.size === 0);
      // A pause ends with the assignment (as in Java's consumer): a partition handed back later
      // is consumed again. Clients that keep their own pause state (kafkajs, librdkafka) are
      // told; one that no longer knows the partition may refuse, which changes nothing.
      const unpaused = partitions.filter((p) => this.paused.delete(partitionKey(p.topic, p.partition)));
      if (unpaused.length > 0) await this.#driver.resume(unpaused).catch(() => undefined);
      if (!this.config.autoCommit) return;
      try {
        await this.commits.commitPending((o) => keys.has(partitionKey(o.topic, o.partition)));
      } catch (error) {
        this.report(toQiError(error, this.ctx("consumer.commit"), this.connector.classifyError));
      }
    },
    error: (error) => {
      const e = toQiError(error, this.ctx("consumer.fetch"), this.connector.classifyError);
      if (isMembershipError(e)) this.stalls.membershipAtRisk();
      this.report(e);
    },
  };

  /** What stall detection needs of this consumer. */
  private readonly stallHost: StallHost = {
    ctx: (operation, extra) => this.ctx(operation, extra),
    idlePartitions: () => {
      if (!this.running || this.stopping) return [];
      const busy = new Set(this.inFlight.partitions());
      return [...this.owned.entries()].filter(([key]) => !this.paused.has(key) && !busy.has(key) && !this.concurrent?.hasWaiting(key)).map(([, tp]) => tp);
    },
    heldBack: () => (this.concurrent ? this.concurrent.full : this.inFlight.size > 0),
    offsets: (partitions) => partitionStandings(this.connector, this.context, this.config.groupId, partitions),
    fromBeginning: () => this.fromBeginning,
    stalled: (error, partitions) => {
      this.report(error);
      try {
        this.telemetry?.countError(error, String(error.context.operation ?? "consumer"));
      } catch {
        // Telemetry never breaks consumption.
      }
      void this.events.emit("stalled", { error, partitions });
    },
    ended: (error, how) => this.context.logger.info(`consumer stall ended (${error.code}): ${how}`, { groupId: this.config.groupId, code: error.code }),
  };

  /** Runs `fn` as a delivery of partition `key`: revocation and disconnect wait for it. Never rejects. */
  private track(key: string, fn: () => Promise<void>): Promise<void> {
    const delivery = promiseOf(fn).catch((error: unknown) => this.report(toQiError(error, this.ctx("consumer.deliver"), this.connector.classifyError)));
    // Resolves when the delivery ends, or when disconnect() abandons it.
    return this.inFlight.track(key, delivery);
  }

  /**
   * Revoked partitions whose handlers outran `closeTimeoutMs`: they go on, but what they finish
   * is neither committed nor acted on (a new seek epoch), and the revocation proceeds.
   */
  private abandonRevoked(keys: ReadonlySet<string>): void {
    const stuck = this.inFlight.partitions(keys);
    for (const key of keys) this.seekEpoch.set(key, (this.seekEpoch.get(key) ?? 0) + 1);
    this.report(
      qiError("HANDLER", "HANDLER_ABANDONED", `consumer.revoked: handler(s) of ${stuck.length} revoked partition(s) still running after ${this.config.closeTimeoutMs} ms (closeTimeoutMs); the partitions move on, those messages are not committed`, {
        context: this.ctx("consumer.revoked", { partitions: stuck }),
      }),
    );
  }

  /** The partition is fetched again from `offset`; while it is paused, only a lower offset than asked before counts. */
  private refetch(tp: TopicPartition, offset: string): void {
    const key = partitionKey(tp.topic, tp.partition);
    if (this.paused.has(key)) {
      const at = BigInt(offset);
      const before = this.pausedAt.get(key);
      if (before !== undefined && before <= at) return;
      this.pausedAt.set(key, at);
    }
    void this.#driver.seek({ topic: tp.topic, partition: tp.partition }, offset).catch((e: unknown) => this.report(toQiError(e, this.ctx("consumer.seek", { topic: tp.topic, partition: tp.partition }), this.connector.classifyError)));
  }

  /** What `run({ concurrency })` needs of this consumer. */
  private readonly host: ConcurrencyHost = {
    track: (key, fn) => this.track(key, fn),
    deliverBatch: (batch) => this.deliver(batch),
    handleMessage: (message, highWatermark) => this.handleMessage(message, highWatermark),
    stopping: () => this.stopping,
    paused: (key) => this.paused.has(key),
    epoch: (key) => this.seekEpoch.get(key) ?? 0,
    committable: (offset) => {
      this.commits.processedUpTo(offset);
      if (this.config.autoCommit) void this.commits.schedule(offset.topic, offset.partition);
    },
    refetch: (tp, offset) => this.refetch(tp, offset),
  };

  /**
   * Hands a fetched batch to the handler in slices of at most `maxBatchSize` (clients fetch
   * as much as they like), committing after each slice, which bounds what a crash re-delivers.
   */
  private async deliver(batch: ConsumedBatch): Promise<boolean> {
    const max = this.config.maxBatchSize;
    try {
      if (batch.messages.length <= max) return await this.deliverSlice(batch);
      for (let i = 0; i < batch.messages.length; i += max) {
        const complete = await this.deliverSlice({ ...batch, messages: batch.messages.slice(i, i + max) });
        if (!complete) return false;
      }
      return true;
    } finally {
      await this.commits.settled(batch.topic, batch.partition);
    }
  }

  /** Runs the handler over one slice; true when every message of it was handled. */
  private async deliverSlice(batch: ConsumedBatch): Promise<boolean> {
    const handler = this.handler;
    if (!handler || this.stopping || batch.messages.length === 0) return false;
    const generation = this.inFlight.generation;
    // True once disconnect() abandoned this delivery: nothing more is committed or acted on.
    const abandoned = (): boolean => this.inFlight.generation !== generation;
    const key = partitionKey(batch.topic, batch.partition);
    const epoch = this.seekEpoch.get(key) ?? 0;
    const interrupted = (): boolean => this.stopping || this.paused.has(key) || this.revoking.has(key) || (this.seekEpoch.get(key) ?? 0) !== epoch;
    const base = this.ctx("consumer.handler", { topic: batch.topic, partition: batch.partition });
    let next: string | undefined;
    let resumeAt: string | undefined;
    /** Committed by the slice's own transaction (exactly-once): core's commits stay out of it. */
    let inTransaction = false;

    if (this.exactlyOnce) {
      const first = batch.messages[0]!;
      if (interrupted()) resumeAt = first.offset;
      else {
        const producer = this.exactlyOnce;
        const slice = { producer, handler, batch, consumer: this, retry: this.config.retry, sleeper: this.sleeper, stopping: () => this.stopping, timeoutMs: this.config.handlerTimeoutMs };
        // Watched as one attempt: the handler and the slice's transaction.
        const watched = this.stalls.handlerStarted(batch, first.offset);
        const outcome = await handleSliceExactlyOnce(slice).finally(watched);
        if (abandoned()) return false;
        let done = outcome.ok;
        if (!outcome.ok && (await this.fail(outcome, batch.messages, base))) {
          // Skipped or dead-lettered: its offsets commit alone, in a transaction of their own.
          const committed = await commitSliceOffsets(producer, this, batch);
          if (!committed.ok) this.report(toQiError(committed.error, this.ctx("consumer.commit", { topic: batch.topic, partition: batch.partition }), this.connector.classifyError));
          done = committed.ok;
        }
        if (done) inTransaction = true;
        else resumeAt = first.offset;
      }
    } else if ("eachBatch" in handler) {
      if (interrupted()) resumeAt = batch.messages[0]!.offset;
      else {
        const end = this.telemetry?.startProcess(batch.messages, this.config.groupId, batch.highWatermark);
        const eachBatch = handler.eachBatch;
        const run = () => runWithRetry((c) => eachBatch(batch, c), this.config.retry, this.sleeper, () => this.stopping, this.config.handlerTimeoutMs);
        // Watched as one: its attempts and back-offs (no promise per attempt on the hot path).
        const watched = this.stalls.handlerStarted(batch, batch.messages[0]!.offset);
        // In the process span's context: spans the handler starts are its children.
        const outcome = await (end ? end.within(run) : run());
        watched();
        end?.(outcome.ok ? undefined : handlerError(outcome.error, base));
        if (abandoned()) return false;
        const first = batch.messages[0]!;
        const last = batch.messages[batch.messages.length - 1]!;
        if (outcome.ok || (await this.fail(outcome, batch.messages, base))) next = (BigInt(last.offset) + 1n).toString();
        else resumeAt = first.offset;
      }
    } else {
      const eachMessage = handler.eachMessage;
      for (const message of batch.messages) {
        if (interrupted()) {
          resumeAt = message.offset;
          break;
        }
        const passed = await this.handleMessage(message, batch.highWatermark, eachMessage);
        if (abandoned()) return false;
        if (!passed) {
          resumeAt = message.offset;
          break;
        }
        next = (BigInt(message.offset) + 1n).toString();
        // Known at once, so a commitOffsets() right after the handler includes this message.
        if (!this.config.autoCommit) this.commits.processedUpTo({ topic: batch.topic, partition: batch.partition, offset: next });
      }
    }

    if (!inTransaction && next !== undefined && (this.seekEpoch.get(key) ?? 0) === epoch) {
      this.commits.processedUpTo({ topic: batch.topic, partition: batch.partition, offset: next });
      // Not awaited here: the next slice runs while this commit travels; deliver() waits for it.
      if (this.config.autoCommit) void this.commits.schedule(batch.topic, batch.partition);
    }
    // Stopped early by a pause: fetch this partition again from the first message not
    // handled. (After a seek the driver is already where the user put it; a revoked partition
    // starts at its committed offset wherever it goes next.)
    if (resumeAt !== undefined && (this.seekEpoch.get(key) ?? 0) === epoch && !this.stopping && !this.revoking.has(key)) this.refetch(batch, resumeAt);
    if (this.failedStop) {
      this.failedStop = false;
      // Not awaited: a driver's stop may wait for this very delivery to return.
      void this.#driver.stop().catch((e: unknown) => this.report(toQiError(e, this.ctx("consumer.stop"), this.connector.classifyError)));
    }
    return resumeAt === undefined && !this.stopping && (this.seekEpoch.get(key) ?? 0) === epoch;
  }

  /**
   * Runs the handler on one message, in its process span, with retries and the failure policy;
   * true when consumption goes on past it (handled, skipped or dead-lettered).
   */
  private async handleMessage(message: ConsumedMessage, highWatermark: string | undefined, eachMessage?: EachMessageHandler): Promise<boolean> {
    const handle = eachMessage ?? (this.handler && "eachMessage" in this.handler ? this.handler.eachMessage : undefined);
    if (!handle || this.stopping) return false;
    const generation = this.inFlight.generation;
    const base = this.ctx("consumer.handler", { topic: message.topic, partition: message.partition });
    const end = this.telemetry?.startProcess([message], this.config.groupId, highWatermark);
    const run = () => runWithRetry((c) => handle(message, c), this.config.retry, this.sleeper, () => this.stopping, this.config.handlerTimeoutMs);
    // Watched as one: its attempts and back-offs (no promise per attempt on the hot path).
    const watched = this.stalls.handlerStarted(message, message.offset);
    const outcome = await (end ? end.within(run) : run());
    watched();
    end?.(outcome.ok ? undefined : handlerError(outcome.error, base));
    if (this.inFlight.generation !== generation) return false;
    return outcome.ok || (await this.fail(outcome, [message], { ...base, offset: message.offset }));
  }

  /** Applies the failure policy; true when consumption goes on past the failed message(s). */
  private async fail(outcome: { error: unknown; aborted: boolean }, messages: readonly ConsumedMessage[], context: ErrorContext): Promise<boolean> {
    if (outcome.aborted) return false;
    const error = handlerError(outcome.error, { ...context, offset: messages[0]!.offset, attempts: this.config.retry.attempts });
    if ((await this.policy.apply(error, messages)) === "continue") return true;
    this.stopping = true;
    this.failedStop = true;
    this.problem = error;
    this.concurrent?.close();
    this.stalls.stop();
    const first = messages[0]!;
    void this.events.emit("stopped", { error, partitions: [{ topic: first.topic, partition: first.partition }] });
    return false;
  }
}
