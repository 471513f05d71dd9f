/**
 * A transactional producer's open transaction: Results around the connector's
 * `TransactionDriver`. One transaction at a time per producer (Kafka's rule); its sends go
 * through the producer's own send path (routing, buffer, timeouts) and are all settled before
 * the commit, so a commit never leaves a send of it behind. A send that failed turns the
 * commit into an abort: nothing of a transaction is visible unless all of it is.
 */
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from "neverthrow";
import type { ConsumerDriver, TransactionDriver } from "../connector.js";
import type { ErrorHinter } from "../errors/classify.js";
import { toQiError } from "../errors/classify.js";
import { qiError, stateError, validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { IStreamingConsumer, IStreamingTransaction, TransactionOffsets } from "../interfaces.js";
import type { MessageBatch, ProduceResult, StreamingMessage, TopicPartitionOffset } from "../messages/types.js";
import { checkOffsets } from "./consumer-checks.js";

/** Kafka's answers to a producer whose transactional id a newer producer took. */
const FENCING = new Set(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH", "TRANSACTION_COORDINATOR_FENCED"]);

/** The error a fenced producer answers from then on: one code, whichever client said it. */
export function fencedError(cause: QiError, transactionalId: string, context: ErrorContext): QiError {
  return qiError("STATE", "PRODUCER_FENCED", `the broker fenced this producer of transactionalId "${transactionalId}": another producer with that id registered (or, as librdkafka reports it, a transaction ran past transactionTimeoutMs); it can do nothing more: disconnect it`, {
    cause,
    context: { ...cause.context, ...context },
  });
}

/** True when the error says the producer was fenced. */
export function isFencing(error: QiError): boolean {
  return FENCING.has(error.code) || FENCING.has(String(error.context.kafkaCode));
}

/** What a consumer of this process exposes to a transaction: its group and its driver. */
const members = new WeakMap<object, { readonly groupId: string; readonly driver: ConsumerDriver }>();

/** Called by the guarded consumer: lets `sendOffsets({ consumer })` find its group and driver. */
export function registerMember(consumer: IStreamingConsumer, groupId: string, driver: ConsumerDriver): void {
  members.set(consumer, { groupId, driver });
}

/** What the transaction needs of its producer. */
export interface TransactionHost {
  readonly driver: TransactionDriver;
  readonly transactionalId: string;
  readonly hinter: ErrorHinter | undefined;
  /** The producer's send path, for this transaction's records. */
  send(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError>;
  sendBatch(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError>;
  /** Bounds a driver call by the producer's send timeout. */
  timed<T>(promise: Promise<T>, context: ErrorContext): Promise<T>;
  /** The transaction ended (committed, aborted or failed): the producer may open another. */
  ended(transaction: GuardedTransaction): void;
  /** The producer was fenced: from now on it answers this error. */
  fenced(error: QiError): void;
  /** Base context of the producer's errors. */
  ctx(operation: string): ErrorContext;
}

export class GuardedTransaction implements IStreamingTransaction {
  private open = true;
  /** The sends of this transaction not yet settled; `commit` waits for them. */
  private readonly pending = new Set<Promise<unknown>>();
  /** The first send of it that failed: the commit aborts instead. */
  private failedSend: QiError | undefined;
  /** The driver calls in progress (sendOffsets, several may be), which commit and abort wait for. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: TransactionHost) {}

  isOpen(): boolean {
    return this.open;
  }

  send(topic: string, message: StreamingMessage): ResultAsync<ProduceResult, QiError> {
    const closed = this.closed("transaction.send");
    if (closed) return errAsync(closed);
    return this.track(this.host.send(topic, message));
  }

  sendBatch(batch: MessageBatch): ResultAsync<readonly ProduceResult[], QiError> {
    const closed = this.closed("transaction.sendBatch");
    if (closed) return errAsync(closed);
    return this.track(this.host.sendBatch(batch));
  }

  sendOffsets(input: TransactionOffsets): ResultAsync<void, QiError> {
    const context = this.host.ctx("transaction.sendOffsets");
    const closed = this.closed("transaction.sendOffsets");
    if (closed) return errAsync(closed);
    const target = this.target(input, context);
    if (target.isErr()) return errAsync(target.error);
    const { groupId, offsets, driver } = target.value;
    if (offsets.length === 0) return okAsync(undefined);
    const call = this.host.timed(this.host.driver.sendOffsets(groupId, offsets, driver), context);
    this.busy = Promise.all([this.busy, call.catch(() => undefined)]);
    return ResultAsync.fromPromise(call, (e) => this.classify(e, { ...context, groupId })).orElse((e) => this.failed(e));
  }

  commit(): ResultAsync<void, QiError> {
    const context = this.host.ctx("transaction.commit");
    const closed = this.closed("transaction.commit");
    if (closed) return errAsync(closed);
    this.open = false;
    return new ResultAsync(this.finish(context));
  }

  abort(): ResultAsync<void, QiError> {
    const context = this.host.ctx("transaction.abort");
    const closed = this.closed("transaction.abort");
    if (closed) return errAsync(closed);
    this.open = false;
    return new ResultAsync(this.end(context));
  }

  /** Aborts an open transaction (the producer disconnects); never rejects. */
  async abandon(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    // Best effort while closing: the broker aborts it after its timeout otherwise.
    void (await this.end(this.host.ctx("transaction.abort")));
  }

  private async finish(context: ErrorContext): Promise<Result<void, QiError>> {
    await this.settled();
    try {
      if (this.failedSend) {
        const aborted = await this.callDriver("abort", context);
        if (aborted.isErr()) return aborted;
        return err(qiError("STATE", "TRANSACTION_ABORTED", `a send of the transaction failed (${this.failedSend.code}): it was aborted, nothing of it is visible`, { cause: this.failedSend, context }));
      }
      const committed = await this.callDriver("commit", context);
      if (committed.isOk() || committed.error.code === "PRODUCER_FENCED") return committed;
      // A commit the broker refused leaves the transaction to abort (Java's rule): abort it, so
      // the producer can go on, and say why the commit failed.
      const failure = committed.error;
      const aborted = await this.callDriver("abort", context);
      if (aborted.isOk()) return err(qiError("STATE", "TRANSACTION_ABORTED", `the commit failed (${failure.code}): the transaction was aborted, nothing of it is visible`, { cause: failure, context, retriable: true }));
      return err(failure);
    } finally {
      this.host.ended(this);
    }
  }

  /** Aborts with the driver, once this transaction's sends settled. */
  private async end(context: ErrorContext): Promise<Result<void, QiError>> {
    await this.settled();
    try {
      return await this.callDriver("abort", context);
    } finally {
      this.host.ended(this);
    }
  }

  private async callDriver(how: "commit" | "abort", context: ErrorContext): Promise<Result<void, QiError>> {
    try {
      await this.host.timed(how === "commit" ? this.host.driver.commit() : this.host.driver.abort(), context);
      return ok(undefined);
    } catch (e) {
      const error = this.classify(e, context);
      if (error.code === "PRODUCER_FENCED") this.host.fenced(error);
      return err(error);
    }
  }

  /** Waits for this transaction's sends and its driver call in progress. */
  private async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.busy;
  }

  private track<T>(sent: ResultAsync<T, QiError>): ResultAsync<T, QiError> {
    const done: Promise<Result<T, QiError>> = Promise.resolve(sent).then((r) => {
      this.pending.delete(done);
      // A send the broker refused for an old epoch says so with the one public code, as the
      // commit would (the messages' outcomes kept).
      if (r.isErr() && isFencing(r.error)) {
        const fenced: QiError = { ...fencedError(r.error, this.host.transactionalId, r.error.context), ...(r.error.outcomes ? { outcomes: r.error.outcomes } : {}) };
        this.failedSend ??= fenced;
        this.host.fenced(fenced);
        return err(fenced);
      }
      if (r.isErr()) this.failedSend ??= r.error;
      return r;
    });
    this.pending.add(done);
    return new ResultAsync(done);
  }

  private failed(error: QiError): ResultAsync<never, QiError> {
    if (error.code === "PRODUCER_FENCED") this.host.fenced(error);
    return errAsync(error);
  }

  private classify(e: unknown, context: ErrorContext): QiError {
    const error = toQiError(e, context, this.host.hinter);
    return isFencing(error) ? fencedError(error, this.host.transactionalId, context) : error;
  }

  private closed(operation: string): QiError | undefined {
    if (this.open) return undefined;
    return stateError("TRANSACTION_CLOSED", `${operation}: the transaction was already committed or aborted; open another with producer.transaction()`, this.host.ctx(operation));
  }

  private target(input: TransactionOffsets, context: ErrorContext): Result<{ groupId: string; offsets: readonly TopicPartitionOffset[]; driver: ConsumerDriver | undefined }, QiError> {
    if (typeof input !== "object" || input === null) return err(validationError("offsets", "must be { consumer, offsets } or { groupId, offsets }", context));
    let groupId: string;
    let driver: ConsumerDriver | undefined;
    let given: unknown;
    try {
      given = (input as { offsets?: unknown }).offsets;
      const consumer = (input as { consumer?: unknown }).consumer;
      if (consumer !== undefined) {
        const member = typeof consumer === "object" && consumer !== null ? members.get(consumer) : undefined;
        if (!member) return err(validationError("consumer", "must be a consumer of this library (client.getConsumer)", context));
        groupId = member.groupId;
        driver = member.driver;
      } else {
        const id = (input as { groupId?: unknown }).groupId;
        if (typeof id !== "string" || id.length === 0) return err(validationError("groupId", "must be a non-empty string (or pass consumer)", context));
        groupId = id;
      }
    } catch {
      return err(validationError("offsets", "must be { consumer, offsets } or { groupId, offsets }", context));
    }
    if (given === undefined) return err(validationError("offsets", "must be an array of { topic, partition, offset }", context));
    const offsets = checkOffsets(given, context);
    if (offsets.isErr()) return err(offsets.error);
    return ok({ groupId, offsets: offsets.value ?? [], driver });
  }
}
