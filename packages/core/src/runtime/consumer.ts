/**
 * The public consumer. Everything that makes consumption behave the same on every backend
 * lives here: handler retries and the failure policy, commit only after a handler succeeded
 * (at-least-once), pause/seek taking effect at the next message boundary, and a disconnect
 * that finishes in-flight work, commits and leaves the group.
 */
import { err, errAsync, ok, type Result, type ResultAsync } from "neverthrow";
import type { BatchSink, ConnectorContext, ConsumerDriver, IStreamingConnector } from "../connector.js";
import type { ConsumerConfig } from "../config/types.js";
import { handlerError, toQiError } from "../errors/classify.js";
import { stateError, unsupportedError, validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { IStreamingConsumer, RunConfig, SubscriptionConfig } from "../interfaces.js";
import { checkOffset, checkPartition, checkTopicName } from "../messages/normalize.js";
import type { ConsumedBatch, ConsumedMessage, TopicPartition, TopicPartitionOffset } from "../messages/types.js";
import { attempt } from "./attempt.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import { FailurePolicyRunner } from "./failure-policy.js";
import { HANDLER_RETRY_DEFAULTS, runWithRetry, Sleeper } from "./handler-runner.js";
import { Lifecycle } from "./lifecycle.js";

const tpKey = (topic: string, partition: number): string => `${partition}:${topic}`;

export class GuardedConsumer implements IStreamingConsumer {
  private readonly lifecycle = new Lifecycle("consumer");
  private readonly sleeper = new Sleeper();
  private readonly retry: Required<NonNullable<ConsumerConfig["retry"]>>;
  private readonly autoCommit: boolean;
  private readonly policy: FailurePolicyRunner;
  private subscribed = false;
  /** Set by the `stop` failure policy: the driver is stopped once the delivery has committed. */
  private failedStop = false;
  private running = false;
  private stopping = false;
  private handler: RunConfig | undefined;
  /** Next offset to commit per partition: processed but not yet committed. */
  private readonly processed = new Map<string, TopicPartitionOffset>();
  private readonly paused = new Set<string>();
  /** Deliveries in progress, awaited before the final commit on disconnect. */
  private readonly deliveries = new Set<Promise<void>>();
  /** Per partition, the commit loop in flight (see `commitPartition`). */
  private readonly committing = new Map<string, Promise<void>>();
  /** Bumped by every seek, so a delivery in progress knows to stop. */
  private readonly seekEpoch = new Map<string, number>();

  constructor(
    private readonly connector: IStreamingConnector,
    private readonly driver: ConsumerDriver,
    private readonly context: ConnectorContext,
    private readonly config: ConsumerConfig,
    private readonly telemetry?: Telemetry,
  ) {
    this.retry = { ...HANDLER_RETRY_DEFAULTS, ...config.retry };
    this.policy = new FailurePolicyRunner(connector, context, config, (e) => this.report(e));
    this.autoCommit = config.autoCommit ?? true;
  }

  private ctx(operation: string, extra: ErrorContext = {}): ErrorContext {
    return { connector: this.connector.name, operation, groupId: this.config.groupId, ...extra };
  }

  private op<T>(operation: string, fn: () => Promise<T>, check?: () => Result<void, QiError>): ResultAsync<T, QiError> {
    const context = this.ctx(operation);
    const state = this.lifecycle.require(operation, context);
    if (state.isErr()) return errAsync(state.error);
    const checked = check?.();
    if (checked?.isErr()) return errAsync(checked.error);
    return attempt(fn, context, this.connector.classifyError);
  }

  connect(): ResultAsync<void, QiError> {
    return attempt(
      () =>
        this.lifecycle.connect(async () => {
          this.stopping = false;
          await this.driver.connect();
        }),
      this.ctx("consumer.connect"),
      this.connector.classifyError,
    );
  }

  subscribe(config: SubscriptionConfig): ResultAsync<void, QiError> {
    const context = this.ctx("consumer.subscribe");
    return this.op(
      "consumer.subscribe",
      async () => {
        await this.driver.subscribe([...config.topics], config.fromBeginning ?? false);
        this.subscribed = true;
      },
      () => {
        if (this.running) return err(stateError("ALREADY_RUNNING", "consumer.subscribe: subscribe before run()", context));
        if (typeof config !== "object" || config === null || !Array.isArray(config.topics) || config.topics.length === 0) {
          return err(validationError("subscription.topics", "must be a non-empty array of topic names", context));
        }
        for (const t of config.topics) {
          const name = checkTopicName(t, context);
          if (name.isErr()) return err(name.error);
        }
        if (config.fromBeginning !== undefined && typeof config.fromBeginning !== "boolean") {
          return err(validationError("subscription.fromBeginning", "must be a boolean", context));
        }
        return ok(undefined);
      },
    );
  }

  run(config: RunConfig): ResultAsync<void, QiError> {
    const context = this.ctx("consumer.run");
    return this.op(
      "consumer.run",
      async () => {
        this.handler = config;
        this.running = true;
        try {
          await this.driver.start(this.sink);
        } catch (error) {
          this.running = false;
          throw error;
        }
      },
      () => {
        if (this.running) return err(stateError("ALREADY_RUNNING", "consumer.run: the consumer is already running", context));
        if (!this.subscribed) return err(stateError("NOT_SUBSCRIBED", "consumer.run: call subscribe() first", context));
        const c = config as Partial<Record<"eachMessage" | "eachBatch", unknown>> | null;
        const hasMessage = typeof c?.eachMessage === "function";
        const hasBatch = typeof c?.eachBatch === "function";
        if (hasMessage === hasBatch) return err(validationError("run", "give exactly one of eachMessage or eachBatch (a function)", context));
        if (hasBatch && !this.connector.capabilities.eachBatch) return err(unsupportedError("eachBatch", context));
        return ok(undefined);
      },
    );
  }

  commitOffsets(offsets?: readonly TopicPartitionOffset[]): ResultAsync<void, QiError> {
    const context = this.ctx("consumer.commitOffsets");
    let explicit: TopicPartitionOffset[] | undefined;
    return this.op(
      "consumer.commitOffsets",
      async () => {
        const toCommit = explicit ?? [...this.processed.values()];
        if (toCommit.length === 0) return;
        await this.driver.commit(toCommit);
        for (const o of toCommit) {
          const key = tpKey(o.topic, o.partition);
          if (this.processed.get(key) === o) this.processed.delete(key);
        }
      },
      () => {
        if (offsets === undefined) return ok(undefined);
        if (!Array.isArray(offsets)) return err(validationError("offsets", "must be an array of { topic, partition, offset }", context));
        const checked = offsets.map((o) => this.checkTpo(o, context));
        const bad = checked.find((r) => r.isErr());
        if (bad?.isErr()) return err(bad.error);
        explicit = checked.map((r) => r._unsafeUnwrap());
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
        const t = tpo as TopicPartitionOffset;
        const key = tpKey(t.topic, t.partition);
        this.seekEpoch.set(key, (this.seekEpoch.get(key) ?? 0) + 1);
        this.processed.delete(key);
        await this.driver.seek({ topic: t.topic, partition: t.partition }, t.offset);
      },
      () => {
        if (!this.connector.capabilities.seek) return err(unsupportedError("seek", context));
        if (!this.running) return err(stateError("NOT_RUNNING", "consumer.seek: call run() first", context));
        const r = this.checkTpo({ topic, partition, offset }, context);
        if (r.isErr()) return err(r.error);
        tpo = r.value;
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
    const tps: TopicPartition[] = [];
    return this.op(
      operation,
      async () => {
        for (const tp of tps) {
          if (pause) this.paused.add(tpKey(tp.topic, tp.partition));
          else this.paused.delete(tpKey(tp.topic, tp.partition));
        }
        await (pause ? this.driver.pause(tps) : this.driver.resume(tps));
      },
      () => {
        if (!this.connector.capabilities.pauseResume) return err(unsupportedError(operation, context));
        if (!this.running) return err(stateError("NOT_RUNNING", `${operation}: call run() first`, context));
        if (!Array.isArray(partitions)) return err(validationError("partitions", "must be an array of { topic, partition }", context));
        for (const p of partitions) {
          const r = this.checkTpo({ ...p, offset: "0" }, context);
          if (r.isErr()) return err(r.error);
          tps.push({ topic: r.value.topic, partition: r.value.partition });
        }
        return ok(undefined);
      },
    );
  }

  assignment(): readonly TopicPartition[] {
    return this.running ? this.driver.assignment() : [];
  }

  disconnect(): ResultAsync<void, QiError> {
    return attempt(
      () =>
        this.lifecycle.disconnect(async () => {
          this.stopping = true;
          this.sleeper.abort();
          try {
            if (this.running) {
              // Finish in-flight handlers and commit while the client can still commit,
              // then stop fetching.
              await Promise.allSettled([...this.deliveries]);
              if (this.autoCommit) await this.commitProcessed();
              await this.driver.stop();
            }
          } finally {
            this.running = false;
            this.subscribed = false;
            this.paused.clear();
            await this.policy.close();
            await this.driver.disconnect();
          }
        }),
      this.ctx("consumer.disconnect"),
      this.connector.classifyError,
    );
  }

  isConnected(): boolean {
    return this.lifecycle.isConnected();
  }

  getNativeClient(): unknown {
    return this.driver.native();
  }

  private checkTpo(o: unknown, context: ErrorContext): Result<TopicPartitionOffset, QiError> {
    if (typeof o !== "object" || o === null) return err(validationError("offsets[]", "must be { topic, partition, offset }", context));
    const { topic, partition, offset } = o as Record<string, unknown>;
    const t = checkTopicName(topic, context);
    if (t.isErr()) return err(t.error);
    const p = checkPartition(partition, context);
    if (p.isErr()) return err(p.error);
    const off = checkOffset(offset, context);
    if (off.isErr()) return err(off.error);
    return ok({ topic: t.value, partition: p.value, offset: off.value });
  }

  private async commitProcessed(filter?: (o: TopicPartitionOffset) => boolean): Promise<void> {
    const pending = [...this.processed.values()].filter((o) => filter?.(o) ?? true);
    if (pending.length === 0) return;
    await this.driver.commit(pending);
    for (const o of pending) {
      const key = tpKey(o.topic, o.partition);
      if (this.processed.get(key) === o) this.processed.delete(key);
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
      const delivery = this.deliver(batch);
      this.deliveries.add(delivery);
      return delivery.finally(() => this.deliveries.delete(delivery));
    },
    revoked: async (partitions) => {
      const keys = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
      for (const k of keys) this.paused.delete(k);
      if (!this.autoCommit) return;
      try {
        await this.commitProcessed((o) => keys.has(tpKey(o.topic, o.partition)));
      } catch (error) {
        this.report(toQiError(error, this.ctx("consumer.commit"), this.connector.classifyError));
      }
    },
    error: (error) => this.report(toQiError(error, this.ctx("consumer.fetch"), this.connector.classifyError)),
  };

  /**
   * Hands a fetched batch to the handler in slices of at most `maxBatchSize` (clients fetch
   * as much as they like), committing after each slice, which bounds what a crash re-delivers.
   */
  private async deliver(batch: ConsumedBatch): Promise<void> {
    const max = this.config.maxBatchSize ?? 500;
    if (batch.messages.length <= max) {
      await this.deliverSlice(batch);
      await this.committing.get(tpKey(batch.topic, batch.partition));
      return;
    }
    try {
      for (let i = 0; i < batch.messages.length; i += max) {
        const complete = await this.deliverSlice({ ...batch, messages: batch.messages.slice(i, i + max) });
        if (!complete) return;
      }
    } finally {
      await this.committing.get(tpKey(batch.topic, batch.partition));
    }
  }

  /**
   * Commits a partition's processed offset, one commit in flight per partition: offsets
   * processed while a commit travels go in the next one (a fast handler would otherwise wait a
   * broker round trip per slice). Never rejects; a failed commit is reported and retried with
   * the next slice.
   */
  private commitPartition(key: string, topic: string, partition: number): Promise<void> {
    const inFlight = this.committing.get(key);
    if (inFlight) return inFlight; // the loop below picks up the newest offset
    const loop = (async (): Promise<void> => {
      try {
        for (let tpo = this.processed.get(key); tpo !== undefined; tpo = this.processed.get(key)) {
          const current = tpo;
          await this.commitProcessed((o) => o === current);
          // Unchanged means committed (commitProcessed removed it); a newer one goes next.
          if (this.processed.get(key) === current) return;
        }
      } catch (error) {
        this.report(toQiError(error, this.ctx("consumer.commit", { topic, partition }), this.connector.classifyError));
      } finally {
        this.committing.delete(key);
      }
    })();
    this.committing.set(key, loop);
    return loop;
  }

  /** Runs the handler over one slice; true when every message of it was handled. */
  private async deliverSlice(batch: ConsumedBatch): Promise<boolean> {
    const handler = this.handler;
    if (!handler || this.stopping || batch.messages.length === 0) return false;
    const key = tpKey(batch.topic, batch.partition);
    const epoch = this.seekEpoch.get(key) ?? 0;
    const interrupted = (): boolean => this.stopping || this.paused.has(key) || (this.seekEpoch.get(key) ?? 0) !== epoch;
    const base = this.ctx("consumer.handler", { topic: batch.topic, partition: batch.partition });
    let next: string | undefined;
    let resumeAt: string | undefined;

    if ("eachBatch" in handler) {
      if (interrupted()) resumeAt = batch.messages[0]!.offset;
      else {
        const end = this.telemetry?.startProcess(batch.messages, this.config.groupId, batch.highWatermark);
        const outcome = await runWithRetry((c) => handler.eachBatch(batch, c), this.retry, this.sleeper, () => this.stopping, this.config.handlerTimeoutMs);
        end?.(outcome.ok ? undefined : handlerError(outcome.error, base));
        const first = batch.messages[0]!;
        const last = batch.messages[batch.messages.length - 1]!;
        if (outcome.ok || (await this.fail(outcome, batch.messages, base))) next = (BigInt(last.offset) + 1n).toString();
        else resumeAt = first.offset;
      }
    } else {
      for (const message of batch.messages) {
        if (interrupted()) {
          resumeAt = message.offset;
          break;
        }
        const end = this.telemetry?.startProcess([message], this.config.groupId, batch.highWatermark);
        const outcome = await runWithRetry((c) => handler.eachMessage(message, c), this.retry, this.sleeper, () => this.stopping, this.config.handlerTimeoutMs);
        end?.(outcome.ok ? undefined : handlerError(outcome.error, base));
        if (!outcome.ok && !(await this.fail(outcome, [message], { ...base, offset: message.offset }))) {
          resumeAt = message.offset;
          break;
        }
        next = (BigInt(message.offset) + 1n).toString();
        // Known at once, so a commitOffsets() right after the handler includes this message.
        if (!this.autoCommit) this.processed.set(key, { topic: batch.topic, partition: batch.partition, offset: next });
      }
    }

    if (next !== undefined && (this.seekEpoch.get(key) ?? 0) === epoch) {
      const tpo = { topic: batch.topic, partition: batch.partition, offset: next };
      this.processed.set(key, tpo);
      // Not awaited here: the next slice runs while this commit travels; deliver() waits for it.
      if (this.autoCommit) void this.commitPartition(key, batch.topic, batch.partition);
    }
    // Stopped early by a pause: fetch this partition again from the first message not
    // handled. (After a seek the driver is already where the user put it.)
    if (resumeAt !== undefined && (this.seekEpoch.get(key) ?? 0) === epoch && !this.stopping) {
      await this.driver.seek({ topic: batch.topic, partition: batch.partition }, resumeAt);
    }
    if (this.failedStop) {
      this.failedStop = false;
      // Not awaited: a driver's stop may wait for this very delivery to return.
      void this.driver.stop().catch((e: unknown) => this.report(toQiError(e, this.ctx("consumer.stop"), this.connector.classifyError)));
    }
    return resumeAt === undefined && !this.stopping && (this.seekEpoch.get(key) ?? 0) === epoch;
  }

  /** Applies the failure policy; true when consumption goes on past the failed message(s). */
  private async fail(outcome: { error: unknown; aborted: boolean }, messages: readonly ConsumedMessage[], context: ErrorContext): Promise<boolean> {
    if (outcome.aborted) return false;
    const error = handlerError(outcome.error, { ...context, offset: messages[0]!.offset, attempts: this.retry.attempts });
    if ((await this.policy.apply(error, messages)) === "continue") return true;
    this.stopping = true;
    this.failedStop = true;
    return false;
  }
}
