/** The public producer: validation, lifecycle and Results around a connector's `ProducerDriver`. */
import { errAsync, type ResultAsync } from "neverthrow";
import type { ConnectorContext, IStreamingConnector, ProducerDriver } from "../connector.js";
import type { ProducerConfig } from "../config/types.js";
import type { ErrorContext, QiError } from "../errors/qi-error.js";
import type { IStreamingProducer } from "../interfaces.js";
import { normalizeBatch, normalizeOutgoing } from "../messages/normalize.js";
import type { MessageBatch, OutgoingRecord, ProduceResult, StreamingMessage } from "../messages/types.js";
import { toQiError } from "../errors/classify.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import { attempt, withTimeout } from "./attempt.js";
import { Lifecycle } from "./lifecycle.js";
import { qiError } from "../errors/qi-error.js";

export class GuardedProducer implements IStreamingProducer {
  private readonly lifecycle = new Lifecycle("producer");
  private readonly base: ErrorContext;
  private readonly sendTimeout: number;
  /** Sends not yet acknowledged: `flush` waits for them, whatever the client buffers. */
  private readonly inFlight = new Set<Promise<unknown>>();

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
    return attempt(
      async () => {
        const [result] = await this.write([record.value], context);
        if (result === undefined) throw qiError("INTERNAL", "NO_DELIVERY_REPORT", "the connector returned no delivery report", { context });
        return result;
      },
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
    return attempt(
      async () => {
        if (records.value.length === 0) return [];
        const results = await this.write(records.value, context);
        if (results.length !== records.value.length) {
          throw qiError("INTERNAL", "NO_DELIVERY_REPORT", `the connector returned ${results.length} reports for ${records.value.length} messages`, { context });
        }
        return results;
      },
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

  /** Sends through the driver: tracked for flush, bounded in time, traced when telemetry is on. */
  private async write(records: OutgoingRecord[], context: ErrorContext): Promise<readonly ProduceResult[]> {
    const end = this.telemetry?.startSend(records);
    try {
      const results = await this.timed(this.track(this.driver.send(records)), context);
      end?.({ results });
      return results;
    } catch (error) {
      end?.({ error: toQiError(error, context, this.connector.classifyError) });
      throw error;
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const done = (): void => void this.inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  private timed<T>(promise: Promise<T>, context: ErrorContext): Promise<T> {
    return withTimeout(promise, this.sendTimeout, () =>
      qiError("TIMEOUT", "REQUEST_TIMED_OUT", `${String(context.operation)} was not acknowledged within ${this.sendTimeout} ms`, { retriable: true, context }),
    );
  }
}
