/** The public producer: validation, lifecycle and Results around a connector's `ProducerDriver`. */
import { err, errAsync, ok, okAsync, type ResultAsync } from "neverthrow";
import type { ConnectorContext, IStreamingConnector, ProducerDriver } from "../connector.js";
import type { ProducerConfig } from "../config/types.js";
import type { ErrorContext, QiError } from "../errors/qi-error.js";
import type { IStreamingProducer } from "../interfaces.js";
import { normalizeBatch, normalizeOutgoing } from "../messages/normalize.js";
import type { MessageBatch, OutgoingRecord, ProduceResult, StreamingMessage } from "../messages/types.js";
import { toQiError } from "../errors/classify.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import { attempt, promiseOf, settle } from "./attempt.js";
import { DeadlineQueue } from "./deadlines.js";
import { Lifecycle } from "./lifecycle.js";
import { qiError } from "../errors/qi-error.js";

export class GuardedProducer implements IStreamingProducer {
  private readonly lifecycle = new Lifecycle("producer");
  private readonly base: ErrorContext;
  private readonly sendTimeout: number;
  /** Sends not yet acknowledged: `flush` waits for them, whatever the client buffers. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly deadlines: DeadlineQueue;

  constructor(
    private readonly connector: IStreamingConnector,
    private readonly driver: ProducerDriver,
    context: ConnectorContext,
    config: ProducerConfig,
    private readonly telemetry?: Telemetry,
  ) {
    this.base = { connector: connector.name };
    // A send never hangs: past this it is a retriable TIMEOUT (the write may still land).
    this.sendTimeout = (config.timeout ?? context.config.requestTimeout) + context.config.connectionTimeout;
    this.deadlines = new DeadlineQueue(this.sendTimeout);
  }

  private ctx(operation: string, topic?: string): ErrorContext {
    return topic === undefined ? { ...this.base, operation } : { ...this.base, operation, topic };
  }

  connect(): ResultAsync<void, QiError> {
    return attempt(() => this.lifecycle.connect(() => this.driver.connect()), this.ctx("producer.connect"), this.connector.classifyError);
  }

  send(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError> {
    const context = this.ctx("producer.send", typeof topic === "string" ? topic : undefined);
    const state = this.lifecycle.require("producer.send", context);
    if (state.isErr()) return errAsync(state.error);
    const record = normalizeOutgoing(topic, message, context);
    if (record.isErr()) return errAsync(record.error);
    return settle(
      () => this.write([record.value], context),
      ([result]) => (result === undefined ? err(qiError("INTERNAL", "NO_DELIVERY_REPORT", "the connector returned no delivery report", { context })) : ok(result)),
      context,
      this.connector.classifyError,
    );
  }

  sendBatch(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError> {
    const context = this.ctx("producer.sendBatch");
    const state = this.lifecycle.require("producer.sendBatch", context);
    if (state.isErr()) return errAsync(state.error);
    const records = normalizeBatch(batch, context);
    if (records.isErr()) return errAsync(records.error);
    const count = records.value.length;
    if (count === 0) return okAsync([]);
    return settle(
      () => this.write(records.value, context),
      (results) =>
        results.length === count ? ok(results) : err(qiError("INTERNAL", "NO_DELIVERY_REPORT", `the connector returned ${results.length} reports for ${count} messages`, { context })),
      context,
      this.connector.classifyError,
    );
  }

  flush(): ResultAsync<void, QiError> {
    const context = this.ctx("producer.flush");
    const state = this.lifecycle.require("producer.flush", context);
    if (state.isErr()) return errAsync(state.error);
    return attempt(
      () => this.timed(Promise.all([this.driver.flush(), Promise.allSettled([...this.inFlight])]).then(() => undefined), context),
      context,
      this.connector.classifyError,
    );
  }

  disconnect(): ResultAsync<void, QiError> {
    return attempt(() => this.lifecycle.disconnect(() => this.driver.disconnect()), this.ctx("producer.disconnect"), this.connector.classifyError);
  }

  isConnected(): boolean {
    return this.lifecycle.isConnected();
  }

  getNativeClient(): unknown {
    return this.driver.native();
  }

  /**
   * Sends through the driver: tracked for flush, bounded in time, traced when telemetry is on.
   * Plain promise chaining, no async frame: it runs for every send.
   */
  private write(records: OutgoingRecord[], context: ErrorContext): Promise<readonly ProduceResult[]> {
    const end = this.telemetry?.startSend(records);
    const sent = promiseOf(() => this.driver.send(records));
    this.inFlight.add(sent);
    const written = this.timed(sent, context, () => this.inFlight.delete(sent));
    if (!end) return written;
    return written.then(
      (results) => {
        end({ results });
        return results;
      },
      (error: unknown) => {
        end({ error: toQiError(error, context, this.connector.classifyError) });
        throw error;
      },
    );
  }

  private timed<T>(promise: Promise<T>, context: ErrorContext, onSettled?: () => void): Promise<T> {
    return this.deadlines.bound(
      promise,
      () => qiError("TIMEOUT", "REQUEST_TIMED_OUT", `${String(context.operation)} was not acknowledged within ${this.sendTimeout} ms`, { retriable: true, context }),
      onSettled,
    );
  }
}
