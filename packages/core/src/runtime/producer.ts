/**
 * The public producer: validation, lifecycle and Results around a connector's `ProducerDriver`.
 * The send path is core -> driver -> client -> core: core normalises, holds the buffer room,
 * routes (every record's partition is chosen here), hands the client one request per
 * partition, bounds the time, and turns the outcome of each message into a Result.
 */
import { err, errAsync, okAsync, ResultAsync, type Result } from "neverthrow";
import type { ConnectorContext, IStreamingConnector, ProducerDriver } from "../connector.js";
import type { ResolvedProducerConfig } from "../config/roles.js";
import type { ErrorContext, QiError } from "../errors/qi-error.js";
import type { IStreamingProducer } from "../interfaces.js";
import { normalizeBatch, normalizeOutgoing } from "../messages/normalize.js";
import type { MessageBatch, OutgoingRecord, ProduceResult, RoutedRecord, StreamingMessage } from "../messages/types.js";
import { PartitionRouter } from "../partitioner/router.js";
import { toQiError } from "../errors/classify.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import { attempt, promiseOf } from "./attempt.js";
import { recordBytes, SendAccumulator } from "./accumulator.js";
import { Delivery, notWrittenCall, partsOf, refusedCall, type DeliveryPart, type SendSpanEnd, type SettleCall } from "./delivery.js";
import { ProduceBuffer, type BufferWaiter } from "./produce-buffer.js";
import { DeadlineQueue } from "./deadlines.js";
import { Lifecycle } from "./lifecycle.js";
import { qiError, stateError } from "../errors/qi-error.js";
import type { IStreamingTransaction } from "../interfaces.js";
import { fencedError, GuardedTransaction, isFencing, type TransactionHost } from "./transaction.js";

/**
 * What core holds for a call besides its records (the call's promise, its delivery and parts,
 * their closures), counted against `bufferMemory` with the records so that the budget bounds
 * the process's memory, not only the payload: about 2.6 KB measured per pending send.
 */
export const CALL_OVERHEAD_BYTES = 2048;

/** A call that has not started: waiting for buffer room, holding only what it needs to start. */
class PendingCall implements BufferWaiter {
  since = 0;
  cancelled = false;
  constructor(
    readonly records: OutgoingRecord[],
    readonly context: ErrorContext,
    readonly bytes: number,
    readonly single: boolean,
    readonly settle: SettleCall,
    readonly end: SendSpanEnd | undefined,
  ) {}

  /** Settles it "not written" (no room in time, the producer closing). */
  refuse(error: QiError): void {
    const failed = notWrittenCall(error, this.records);
    this.end?.({ error: failed });
    this.settle(err(failed));
  }
}

/** Produce errors that say the router's partition count may be stale. */
const STALE_METADATA = new Set(["TOPIC_NOT_FOUND", "PARTITION_NOT_FOUND", "NOT_LEADER_OR_FOLLOWER", "UNKNOWN_TOPIC_ID"]);

export class GuardedProducer implements IStreamingProducer {
  private readonly lifecycle = new Lifecycle("producer");
  private readonly base: ErrorContext;
  private readonly sendTimeout: number;
  /** How long `disconnect()` waits for the sends in flight. */
  private readonly closeTimeout: number;
  /** Calls not yet settled with the client: `flush` and `disconnect` wait for them. */
  private readonly inFlight = new Set<Delivery>();
  private readonly deadlines: DeadlineQueue;
  private readonly router: PartitionRouter;
  /** What may wait or be in flight (`bufferMemory`, `maxBlockMs`). */
  private readonly buffer: ProduceBuffer<PendingCall>;
  /** Gathers concurrent sends where the client does not (see `ProducerDriver.batchesAcrossCalls`). */
  private readonly accumulator: SendAccumulator | undefined;

  /** ES-private: printing the role (inspect, JSON) never reaches the driver or its client, which hold credentials. */
  readonly #driver: ProducerDriver;
  /** Set for a producer made with a `transactionalId`. */
  private readonly transactionalId: string | undefined;
  /** The open transaction, if any (one at a time). */
  private current: GuardedTransaction | undefined;
  /** Set once a newer producer with the same id fenced this one: every transaction answers it. */
  private fencing: QiError | undefined;

  constructor(
    private readonly connector: IStreamingConnector,
    driver: ProducerDriver,
    context: ConnectorContext,
    config: ResolvedProducerConfig,
    private readonly telemetry?: Telemetry,
  ) {
    this.#driver = driver;
    this.base = { connector: connector.name };
    this.transactionalId = config.transactionalId;
    // A send never hangs: past this it fails with TIMEOUT, its messages "unknown" where the
    // client has them (the write may still land), "not written" where core still held them.
    this.sendTimeout = config.timeout + context.config.connectionTimeout;
    this.closeTimeout = config.closeTimeoutMs ?? this.sendTimeout;
    this.deadlines = new DeadlineQueue(this.sendTimeout);
    this.router = new PartitionRouter((topic) => this.#driver.partitionCount(topic));
    this.buffer = new ProduceBuffer<PendingCall>(config.bufferMemory, config.maxBlockMs, {
      onRoom: (call) => this.start(call),
      onTimeout: (call, error) => call.refuse({ ...error, context: call.context }),
    });
    if (!driver.batchesAcrossCalls) {
      this.accumulator = new SendAccumulator({ send: (records) => this.#driver.send(records), batchSize: config.batchSize, lingerMs: config.lingerMs });
    }
  }

  private ctx(operation: string, topic?: string): ErrorContext {
    return topic === undefined ? { ...this.base, operation } : { ...this.base, operation, topic };
  }

  connect(): ResultAsync<void, QiError> {
    return attempt(
      () =>
        this.lifecycle.connect(async () => {
          await this.#driver.connect();
          // Connecting registers the transactional id anew (it fences whoever held it): this
          // producer is no longer the fenced one.
          this.fencing = undefined;
          this.current = undefined;
        }),
      this.ctx("producer.connect"),
      this.connector.classifyError,
    );
  }

  send(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError> {
    if (this.transactionalId !== undefined) return errAsync(refusedCall(this.outsideTransaction("producer.send"), { topic }));
    return this.sendOne(topic, message);
  }

  private sendOne(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError> {
    const context = this.ctx("producer.send", typeof topic === "string" ? topic : undefined);
    const state = this.lifecycle.require("producer.send", context);
    if (state.isErr()) return errAsync(refusedCall(state.error, { topic }));
    const record = normalizeOutgoing(topic, message, context);
    if (record.isErr()) return errAsync(refusedCall(record.error, { topic }));
    return new ResultAsync(this.write([record.value], context, true)) as ResultAsync<ProduceResult, QiError>;
  }

  sendBatch(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError> {
    if (this.transactionalId !== undefined) return errAsync(refusedCall(this.outsideTransaction("producer.sendBatch"), batch));
    return this.sendMany(batch);
  }

  private sendMany(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError> {
    const context = this.ctx("producer.sendBatch");
    const state = this.lifecycle.require("producer.sendBatch", context);
    if (state.isErr()) return errAsync(refusedCall(state.error, batch));
    const records = normalizeBatch(batch, context);
    if (records.isErr()) return errAsync(refusedCall(records.error, batch));
    if (records.value.length === 0) return okAsync([]);
    return new ResultAsync(this.write(records.value, context, false)) as ResultAsync<readonly ProduceResult[], QiError>;
  }

  flush(): ResultAsync<void, QiError> {
    const context = this.ctx("producer.flush");
    const state = this.lifecycle.require("producer.flush", context);
    if (state.isErr()) return errAsync(state.error);
    return attempt(
      () => this.timed(Promise.all([this.#driver.flush(), this.released()]).then(() => undefined), context),
      context,
      this.connector.classifyError,
    );
  }

  waitForRoom(): ResultAsync<void, QiError> {
    const context = this.ctx("producer.waitForRoom");
    const state = this.lifecycle.require("producer.waitForRoom", context);
    if (state.isErr()) return errAsync(state.error);
    return attempt(() => this.buffer.whenRoom(), context, this.connector.classifyError);
  }

  hasRoom(): boolean {
    return this.buffer.hasRoom();
  }

  /** True for a producer made with a `transactionalId`. */
  isTransactional(): boolean {
    return this.transactionalId !== undefined;
  }

  transaction(): ResultAsync<IStreamingTransaction, QiError> {
    const context = this.ctx("producer.transaction");
    const state = this.lifecycle.require("producer.transaction", context);
    if (state.isErr()) return errAsync(state.error);
    const driver = this.#driver.transactions;
    const id = this.transactionalId;
    if (id === undefined || !driver) return errAsync(stateError("NOT_TRANSACTIONAL", "producer.transaction() needs a producer made with a transactionalId (client.getProducer({ transactionalId }))", context));
    if (this.fencing) return errAsync(this.fencing);
    if (this.current) return errAsync(stateError("TRANSACTION_IN_PROGRESS", "a transaction of this producer is open: commit or abort it first (one at a time, as Kafka allows)", context));
    const transaction = new GuardedTransaction(this.transactionHost(driver, id));
    this.current = transaction;
    return attempt(() => this.timed(driver.begin(), context), context, this.connector.classifyError)
      .map(() => transaction as IStreamingTransaction)
      .mapErr((error) => {
        if (this.current === transaction) this.current = undefined;
        if (isFencing(error)) this.fencing = fencedError(error, id, context);
        return this.fencing ?? error;
      });
  }

  private transactionHost(driver: NonNullable<ProducerDriver["transactions"]>, transactionalId: string): TransactionHost {
    return {
      driver,
      transactionalId,
      hinter: this.connector.classifyError,
      send: (topic, message) => this.sendOne(topic, message),
      sendBatch: (batch) => this.sendMany(batch),
      timed: (promise, context) => this.timed(promise, context),
      ended: (transaction) => {
        if (this.current === transaction) this.current = undefined;
      },
      fenced: (error) => {
        this.fencing ??= error;
      },
      ctx: (operation) => this.ctx(operation),
    };
  }

  private outsideTransaction(operation: string): QiError {
    return stateError("NOT_IN_TRANSACTION", `${operation}: this producer is transactional (transactionalId "${this.transactionalId}"): send through producer.transaction()`, this.ctx(operation));
  }

  /**
   * Flushes (waits for the sends in flight, up to `closeTimeoutMs`) and closes. A send still
   * unanswered then fails with `PRODUCER_CLOSED`, each message "not written" (core still held
   * it) or "unknown" (the client had it).
   */
  disconnect(): ResultAsync<void, QiError> {
    const context = this.ctx("producer.disconnect");
    return attempt(
      () =>
        this.lifecycle.disconnect(async () => {
          // An open transaction is aborted, not left for the broker to time out: until then it
          // holds back every read_committed consumer of its partitions.
          if (this.current) await this.bounded(this.current.abandon(), this.closeTimeout).catch(() => undefined);
          await this.bounded(Promise.all([this.#driver.flush(), this.released()]), this.closeTimeout).catch(() => undefined);
          const closing = qiError("STATE", "PRODUCER_CLOSED", `the producer closed before the send was acknowledged (it waited ${this.closeTimeout} ms)`, { context: this.ctx("producer.send") });
          for (const call of this.buffer.takeWaiting()) call.refuse({ ...closing, context: call.context });
          for (const delivery of [...this.inFlight]) delivery.abandon(closing);
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
    try {
      return this.#driver.native();
    } catch {
      return undefined;
    }
  }

  /** Resolves once no call waits for room or has anything with the client (calls that get room meanwhile included). */
  private async released(): Promise<void> {
    while (this.inFlight.size > 0 || this.buffer.waitingCount > 0) {
      if (this.inFlight.size > 0) await Promise.all([...this.inFlight].map((d) => d.whenReleased()));
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * One call: it takes buffer room (or waits for it, holding only its records and its
   * promise), then goes through the router and the client. It settles with one Result, never
   * a rejection. No async frame: it runs for every send.
   */
  private write(records: OutgoingRecord[], context: ErrorContext, single: boolean): Promise<Result<ProduceResult | readonly ProduceResult[], QiError>> {
    let bytes = CALL_OVERHEAD_BYTES;
    for (const r of records) bytes += recordBytes(r);
    return new Promise((resolve) => {
      const call = new PendingCall(records, context, bytes, single, resolve, this.telemetry?.startSend(records));
      if (this.buffer.tryTake(bytes)) this.start(call);
      else this.buffer.wait(call);
    });
  }

  /** A call with room: tracked for flush and close until the client has nothing of it. */
  private start(call: PendingCall): void {
    const delivery = new Delivery(call.records, call.context, this.connector.classifyError, call.single, call.settle, this.release, call.bytes, call.end);
    this.inFlight.add(delivery);
    this.go(delivery, call.records, call.context);
  }

  private readonly release = (delivery: Delivery): void => {
    this.inFlight.delete(delivery);
    this.buffer.give(delivery.bytes);
  };

  /** Starts the call's clock (it starts once the call has room, as Java's delivery timeout), routes and hands over. */
  private go(delivery: Delivery, records: OutgoingRecord[], context: ErrorContext): void {
    delivery.stopClock = this.deadlines.start(() =>
      delivery.abandon(qiError("TIMEOUT", "REQUEST_TIMED_OUT", `${String(context.operation)} was not acknowledged within ${this.sendTimeout} ms`, { retriable: true, context })),
    );
    let partitions: readonly number[] | Promise<readonly number[]>;
    try {
      partitions = this.router.route(records);
    } catch (error) {
      delivery.refuse(error);
      return;
    }
    if (Array.isArray(partitions)) this.handOver(delivery, records, partitions);
    else
      (partitions as Promise<readonly number[]>).then(
        (p) => (delivery.done ? delivery.refuse(undefined) : this.handOver(delivery, records, p)),
        (error: unknown) => delivery.refuse(error),
      );
  }

  /** One request per partition: to the accumulator, or to a client that batches across calls. */
  private handOver(delivery: Delivery, records: OutgoingRecord[], partitions: readonly number[]): void {
    // The records are core's own fresh objects (normalizeOutgoing): set the partition in place.
    for (let i = 0; i < records.length; i++) (records[i] as { partition: number | undefined }).partition = partitions[i];
    const parts = partsOf(records as RoutedRecord[]);
    delivery.handOver(parts);
    for (const part of parts) {
      let sent: Promise<readonly ProduceResult[]>;
      if (this.accumulator) {
        let bytes = 0;
        for (const r of part.records) bytes += recordBytes(r);
        const queued = this.accumulator.add(part.records, bytes);
        part.cancel = queued.cancel;
        sent = queued.promise;
      } else sent = promiseOf(() => this.#driver.send(part.records));
      sent.then(
        (results) => delivery.written(part, results),
        (error: unknown) => this.failed(delivery, part, error),
      );
    }
  }

  private failed(delivery: Delivery, part: DeliveryPart, error: unknown): void {
    if (STALE_METADATA.has(toQiError(error, {}, this.connector.classifyError).code)) this.router.invalidate(part.records[0]!.topic);
    delivery.failed(part, error);
  }

  private timed<T>(promise: Promise<T>, context: ErrorContext): Promise<T> {
    return this.deadlines.bound(promise, () =>
      qiError("TIMEOUT", "REQUEST_TIMED_OUT", `${String(context.operation)} was not acknowledged within ${this.sendTimeout} ms`, { retriable: true, context }),
    );
  }

  /** Resolves like `promise`, or after `ms` at the latest. */
  private bounded(promise: Promise<unknown>, ms: number): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
  }
}
