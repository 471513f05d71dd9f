/**
 * Exactly-once `run()` (consume, transform, produce): each slice of a partition is handled in
 * one transaction of the run's transactional producer. The handler sends its output through
 * `context.transaction`; once it succeeded for the whole slice, the slice's next offset is
 * added to the transaction and the transaction commits, output and progress at once. A failed
 * attempt aborts its transaction (its output is never visible to `read_committed`), and the
 * retry handles the slice again from its first message, in a new transaction.
 */
import type { HandlerRetryConfig } from "../config/types.js";
import type { HandlerContext, IStreamingConsumer } from "../interfaces.js";
import type { ConsumedBatch } from "../messages/types.js";
import type { CheckedHandler } from "./consumer-checks.js";
import { failureOf, runWithRetry, type HandlerOutcome, type Sleeper } from "./handler-runner.js";
import { err, ok, type Result } from "neverthrow";
import { validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { RunConfig } from "../interfaces.js";
import { GuardedProducer } from "./producer.js";

/** What a slice's transactional handling needs from its consumer. */
export interface ExactlyOnceSlice {
  readonly producer: GuardedProducer;
  readonly handler: CheckedHandler;
  readonly batch: ConsumedBatch;
  /** The consumer running the slice: its group and member (the clients that fence zombies need it). */
  readonly consumer: IStreamingConsumer;
  readonly retry: Required<HandlerRetryConfig>;
  readonly sleeper: Sleeper;
  readonly stopping: () => boolean;
  readonly timeoutMs: number | undefined;
}

/** The slice's next offset to read: one past its last message. */
function nextOffset(batch: ConsumedBatch): string {
  return (BigInt(batch.messages[batch.messages.length - 1]!.offset) + 1n).toString();
}

/**
 * Kafka allows one open transaction per producer, and a run's partitions share its producer:
 * the slices of different partitions (delivered at once by clients that fetch partitions
 * concurrently) take turns, each holding the producer from begin to commit or abort.
 */
const turns = new WeakMap<GuardedProducer, Promise<void>>();

async function inTurn<T>(producer: GuardedProducer, work: () => Promise<T>): Promise<T> {
  const before = turns.get(producer) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  turns.set(producer, before.then(() => mine));
  await before;
  try {
    return await work();
  } finally {
    release();
  }
}

/** Rejects with the signal's reason once it aborts (a handler timeout, the consumer closing). */
function whenAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let dispose = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dispose = () => signal.removeEventListener("abort", onAbort);
  });
  promise.catch(() => undefined);
  return { promise, dispose };
}

/** Handles the slice in a transaction, retried as a whole; ok once a transaction with its output and offsets committed. */
export async function handleSliceExactlyOnce(slice: ExactlyOnceSlice): Promise<HandlerOutcome> {
  const attempt = (context: HandlerContext): Promise<void> =>
    inTurn(slice.producer, async () => {
      const begun = await slice.producer.transaction();
      if (begun.isErr()) throw begun.error;
      const transaction = begun.value;
      const within: HandlerContext = {
        get signal() {
          return context.signal;
        },
        attempt: context.attempt,
        transaction,
      };
      // A handler that outlives its attempt (timed out, or the consumer closing) must not keep
      // the producer's one transaction open: the attempt ends at the abort, and so does its turn.
      const aborted = whenAborted(context.signal);
      try {
        await Promise.race([runHandler(slice.handler, slice.batch, within), aborted.promise]);
      } catch (error) {
        // Aborts' results are not acted on here: the attempt has failed already, and a producer
        // that cannot abort fails the next transaction() with the reason.
        void (await transaction.abort());
        throw error;
      } finally {
        aborted.dispose();
      }
      const { topic, partition } = slice.batch;
      const offsets = await transaction.sendOffsets({ consumer: slice.consumer, offsets: [{ topic, partition, offset: nextOffset(slice.batch) }] });
      if (offsets.isErr()) {
        void (await transaction.abort());
        throw offsets.error;
      }
      const committed = await transaction.commit();
      if (committed.isErr()) throw committed.error;
    });
  return runWithRetry(attempt, slice.retry, slice.sleeper, slice.stopping, slice.timeoutMs);
}

/** Commits the slice's offsets alone in a transaction (a failed slice the policy skips or dead-letters); true once committed. */
export function commitSliceOffsets(producer: GuardedProducer, consumer: IStreamingConsumer, batch: ConsumedBatch): Promise<{ ok: true } | { ok: false; error: unknown }> {
  return inTurn(producer, async () => {
    const begun = await producer.transaction();
    if (begun.isErr()) return { ok: false, error: begun.error };
    const { topic, partition } = batch;
    const offsets = await begun.value.sendOffsets({ consumer, offsets: [{ topic, partition, offset: nextOffset(batch) }] });
    if (offsets.isErr()) {
      void (await begun.value.abort());
      return { ok: false, error: offsets.error };
    }
    const committed = await begun.value.commit();
    return committed.isErr() ? { ok: false, error: committed.error } : { ok: true };
  });
}

/** The user's handler over the whole slice: once for `eachBatch`, message by message for `eachMessage`; throws on a failure. */
async function runHandler(handler: CheckedHandler, batch: ConsumedBatch, context: HandlerContext): Promise<void> {
  if ("eachBatch" in handler) {
    const failure = failureOf(await handler.eachBatch(batch, context));
    if (failure.failed) throw failure.error;
    return;
  }
  for (const message of batch.messages) {
    if (context.signal.aborted) throw context.signal.reason;
    const failure = failureOf(await handler.eachMessage(message, context));
    if (failure.failed) throw failure.error;
  }
}

/** The transactional producer of `run({ exactlyOnce })`, checked: one of this library's, made with a transactionalId. */
export function readExactlyOnce(config: RunConfig, context: ErrorContext): Result<GuardedProducer | undefined, QiError> {
  let given: unknown;
  try {
    given = (config as { exactlyOnce?: unknown }).exactlyOnce;
    if (given === undefined) return ok(undefined);
    given = typeof given === "object" && given !== null ? (given as { producer?: unknown }).producer : undefined;
  } catch {
    given = undefined;
  }
  if (!(given instanceof GuardedProducer) || !given.isTransactional()) {
    return err(validationError("exactlyOnce.producer", "must be a producer of this library made with a transactionalId (client.getProducer({ transactionalId }))", context));
  }
  return ok(given);
}
