/**
 * The public producer: validation, lifecycle and Results around a connector's `ProducerDriver`.
 * The send path is core -> driver -> client -> core: core normalises, routes (every record's
 * partition is chosen here), bounds the time, and turns the outcome into a Result.
 */
import { err, errAsync, ok, okAsync, type ResultAsync } from "neverthrow";
import type { ConnectorContext, IStreamingConnector, ProducerDriver } from "../connector.js";
import type { ResolvedProducerConfig } from "../config/roles.js";
import type { ErrorContext, QiError } from "../errors/qi-error.js";
import type { IStreamingProducer } from "../interfaces.js";
import { normalizeBatch, normalizeOutgoing } from "../messages/normalize.js";
import type { MessageBatch, OutgoingRecord, ProduceResult, RoutedRecord, StreamingMessage } from "../messages/types.js";
import { partitionKey, PartitionRouter } from "../partitioner/router.js";
import { toQiError } from "../errors/classify.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import { attempt, promiseOf, settle } from "./attempt.js";
import { recordBytes, SendAccumulator } from "./accumulator.js";
import { ProduceBuffer } from "./produce-buffer.js";
import { DeadlineQueue } from "./deadlines.js";
import { Lifecycle } from "./lifecycle.js";
import { qiError } from "../errors/qi-error.js";

/** Produce errors that say the router's partition count may be stale. */
const STALE_METADATA = new Set(["TOPIC_NOT_FOUND", "PARTITION_NOT_FOUND", "NOT_LEADER_OR_FOLLOWER", "UNKNOWN_TOPIC_ID"]);

export class GuardedProducer implements IStreamingProducer {
  private readonly lifecycle = new Lifecycle("producer");
  private readonly base: ErrorContext;
  private readonly sendTimeout: number;
  /** Sends not yet acknowledged: `flush` waits for them, whatever the client buffers. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly deadlines: DeadlineQueue;
  private readonly router: PartitionRouter;
  /** What may wait or be in flight (`bufferMemory`, `maxBlockMs`). */
  private readonly buffer: ProduceBuffer;
  /** Gathers concurrent sends where the client does not (see `ProducerDriver.batchesAcrossCalls`). */
  private readonly accumulator: SendAccumulator | undefined;

  /** ES-private: printing the role (inspect, JSON) never reaches the driver or its client, which hold credentials. */
  readonly #driver: ProducerDriver;

  constructor(
    private readonly connector: IStreamingConnector,
    driver: ProducerDriver,
    context: ConnectorContext,
    config: ResolvedProducerConfig,
    private readonly telemetry?: Telemetry,
  ) {
    this.#driver = driver;
    this.base = { connector: connector.name };
    // A send never hangs: past this it is a retriable TIMEOUT (the write may still land).
    this.sendTimeout = config.timeout + context.config.connectionTimeout;
    this.deadlines = new DeadlineQueue(this.sendTimeout);
    this.router = new PartitionRouter((topic) => this.#driver.partitionCount(topic));
    this.buffer = new ProduceBuffer(config.bufferMemory, config.maxBlockMs);
    if (!driver.batchesAcrossCalls) {
      const perPartition = driver.retriesWholeRequest === true;
      this.accumulator = new SendAccumulator({ send: (records) => this.#driver.send(records), batchSize: config.batchSize, lingerMs: config.lingerMs, perPartition });
    }

  }

  private ctx(operation: string, topic?: string): ErrorContext {
    return topic === undefined ? { ...this.base, operation } : { ...this.base, operation, topic };
  }

  connect(): ResultAsync<void, QiError> {
    return attempt(() => this.lifecycle.connect(() => this.#driver.connect()), this.ctx("producer.connect"), this.connector.classifyError);
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
      () => this.timed(Promise.all([this.#driver.flush(), Promise.allSettled([...this.inFlight])]).then(() => undefined), context),
      context,
      this.connector.classifyError,
    );
  }

  /** Flushes (waits for the sends in flight, bounded like a send) and closes. */
  disconnect(): ResultAsync<void, QiError> {
    const context = this.ctx("producer.disconnect");
    return attempt(
      () =>
        this.lifecycle.disconnect(async () => {
          await this.timed(Promise.allSettled([this.#driver.flush(), ...this.inFlight]), context).catch(() => undefined);
          await this.#driver.disconnect();
        }),
      context,
      this.connector.classifyError,
    );
  }

  isConnected(): boolean {
    return this.lifecycle.isConnected();
  }

  getNativeClient(): unknown {
    return this.#driver.native();
  }

  /**
   * Sends through the driver: tracked for flush, bounded in time, traced when telemetry is on.
   * Plain promise chaining, no async frame: it runs for every send.
   */
  private write(records: OutgoingRecord[], context: ErrorContext): Promise<readonly ProduceResult[]> {
    const end = this.telemetry?.startSend(records);
    let bytes = 0;
    for (const r of records) bytes += recordBytes(r);
    const go = (): Promise<readonly ProduceResult[]> => {
      const sent = promiseOf(() => this.route(records));
      this.inFlight.add(sent);
      // The send's time bound starts once it has room (as Java's delivery timeout after max.block.ms).
      return this.timed(sent, context, () => {
        this.inFlight.delete(sent);
        this.buffer.give(bytes);
      });
    };
    const room = this.buffer.take(bytes);
    let written: Promise<readonly ProduceResult[]>;
    if (room === undefined) written = go();
    else {
      const waited = room.then(go);
      this.inFlight.add(waited);
      written = waited.finally(() => this.inFlight.delete(waited));
    }
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

  /** Chooses every record's partition (at once when the counts are cached), then writes. */
  private route(records: OutgoingRecord[]): Promise<readonly ProduceResult[]> {
    const partitions = this.router.route(records);
    return Array.isArray(partitions) ? this.dispatch(records, partitions) : partitions.then((p) => this.dispatch(records, p));
  }

  private dispatch(records: OutgoingRecord[], partitions: readonly number[]): Promise<readonly ProduceResult[]> {
    // The records are core's own fresh objects (normalizeOutgoing): set the partition in place.
    for (let i = 0; i < records.length; i++) (records[i] as { partition: number | undefined }).partition = partitions[i];
    const routed = records as RoutedRecord[];
    const sent = this.accumulator
      ? this.accumulator.add(routed)
      : this.#driver.retriesWholeRequest === true && routed.length > 1
        ? this.sendPerPartition(routed)
        : this.#driver.send(routed);
    return sent.catch((error: unknown) => {
      if (STALE_METADATA.has(toQiError(error, {}, this.connector.classifyError).code)) for (const r of routed) this.router.invalidate(r.topic);
      throw error;
    });
  }

  /** One driver call per partition, concurrently; the results back in input order. */
  private sendPerPartition(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    const groups = new Map<string, { records: RoutedRecord[]; at: number[] }>();
    records.forEach((r, i) => {
      const key = partitionKey(r.topic, r.partition);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { records: [], at: [] }));
      g.records.push(r);
      g.at.push(i);
    });
    if (groups.size === 1) return this.#driver.send(records);
    const out = new Array<ProduceResult>(records.length);
    return Promise.all(
      [...groups.values()].map((g) =>
        promiseOf(() => this.#driver.send(g.records)).then((results) => {
          results.forEach((result, j) => (out[g.at[j]!] = result));
        }),
      ),
    ).then(() => out);
  }

  private timed<T>(promise: Promise<T>, context: ErrorContext, onSettled?: () => void): Promise<T> {
    return this.deadlines.bound(
      promise,
      () => qiError("TIMEOUT", "REQUEST_TIMED_OUT", `${String(context.operation)} was not acknowledged within ${this.sendTimeout} ms`, { retriable: true, context }),
      onSettled,
    );
  }
}
