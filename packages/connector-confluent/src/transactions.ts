/**
 * The confluent connector's transactions, through the client's KafkaJS-style API like the rest
 * of the producer: its `connect` registers the transactional id (librdkafka `init_transactions`,
 * which fences an older producer of the id at once), `transaction()` begins (the client answers
 * the producer itself: its `send` then joins the transaction, and librdkafka refuses a produce
 * outside one with `_STATE`), `commit()`, `abort()` and `sendOffsets({ consumer, topics })` end
 * it or add a group's offsets. What the client does not do is here:
 *
 * - its commit and abort give librdkafka a fixed 5 s; a librdkafka commit or abort that ran out
 *   of time goes on in the background and must be called again to finish (librdkafka refuses
 *   any other transactional call meanwhile, an abort included), so a timed-out one is called
 *   again until it ends or the producer's `timeout` has passed;
 * - its `sendOffsets` needs the client's consumer of the group (librdkafka takes the member's
 *   metadata from it), which only a consumer of this process has: a bare group id is
 *   `UNSUPPORTED`;
 * - a fenced producer's sends fail with the broker's code for the one produce request
 *   (INVALID_PRODUCER_EPOCH), librdkafka's "purged" (`_PURGE_QUEUE`: the fatal error emptied
 *   its queue) or `_FATAL`, while librdkafka's verdict on the producer is `_FENCED`: the
 *   transaction's own error is asked for (see `transactionCause`), so a send says
 *   `PRODUCER_FENCED` like the commit does.
 */
import type { TopicPartitionOffset } from "@qi/streaming";
import { stateError, unsupportedError, type ConsumerDriver, type TransactionDriver } from "@qi/streaming/connector";
import { ConfluentConsumerDriver } from "./consumer.js";
import { codeOf, CONFLICT, FATAL, PREV_IN_PROGRESS, PURGE_QUEUE, STATE, TIMED_OUT } from "./errors.js";
import type { NativeClient, Session } from "./native.js";

/** The lower-level producer under the KafkaJS layer (`_getInternalClient()`): only what is called. */
interface InternalProducer {
  beginTransaction(cb: (error: unknown) => void): void;
}

/** What the transactions need of their producer driver. */
export interface TransactionHost {
  /** The connected client producer (the driver's connect made it transactional). */
  producer(): NativeClient;
  readonly session: Session;
  /** ms a commit or an abort may take in all, its calls made again included (the producer's `timeout`). */
  readonly timeoutMs: number;
}

export class ConfluentTransactions implements TransactionDriver {
  constructor(private readonly host: TransactionHost) {}

  begin(): Promise<void> {
    const producer = this.host.producer();
    return this.host.session.call(() => producer.transaction() as Promise<unknown>).then(() => undefined);
  }

  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], consumer: ConsumerDriver | undefined): Promise<void> {
    const context = { connector: "confluent", groupId, field: "consumer" };
    if (!consumer) {
      throw unsupportedError("transaction.sendOffsets with only a groupId (@confluentinc/kafka-javascript sends a group's offsets through the group's consumer, whose member metadata librdkafka needs: pass { consumer })", context);
    }
    if (!(consumer instanceof ConfluentConsumerDriver)) throw unsupportedError("transaction.sendOffsets through a consumer of another connector", context);
    const native = consumer.native() as NativeClient | undefined;
    if (!native) throw stateError("NOT_SUBSCRIBED", "transaction.sendOffsets: the consumer has not subscribed yet (its client, which holds the group's member metadata, is made at subscribe)", { connector: "confluent", groupId });
    const producer = this.host.producer();
    await this.host.session.call(() => producer.sendOffsets({ consumer: native, topics: byTopic(offsets) }) as Promise<unknown>);
  }

  commit(): Promise<void> {
    const producer = this.host.producer();
    return untilDone(() => producer.commit() as Promise<unknown>, this.host);
  }

  abort(): Promise<void> {
    const producer = this.host.producer();
    return untilDone(() => producer.abort() as Promise<unknown>, this.host);
  }
}

/** Offsets as the client's `sendOffsets` takes them: by topic. */
function byTopic(offsets: readonly TopicPartitionOffset[]): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    let list = topics.get(o.topic);
    if (!list) topics.set(o.topic, (list = []));
    list.push({ partition: o.partition, offset: o.offset });
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * A commit or abort, called again while librdkafka answers `_TIMED_OUT` (its operation goes on
 * in the background and the same call resumes it) until the host's time is up; then, or on any
 * other error, it fails with the client's error.
 */
export async function untilDone(call: () => Promise<unknown>, host: Pick<TransactionHost, "session" | "timeoutMs">): Promise<void> {
  const deadline = Date.now() + host.timeoutMs;
  for (;;) {
    try {
      await host.session.call(call);
      return;
    } catch (error) {
      if (codeOf(error) !== TIMED_OUT || Date.now() >= deadline) throw error;
    }
  }
}

/**
 * The send errors that stand for a failure of the whole transaction: librdkafka's purge and
 * fatal error, and the broker's answers to a fenced producer's produce request (47
 * INVALID_PRODUCER_EPOCH, 90 PRODUCER_FENCED), which librdkafka reports per message as they
 * came while it makes the producer's fatal error `_FENCED` of them.
 */
const ASKED = new Set([PURGE_QUEUE, FATAL, 47, 90]);

/**
 * A transactional producer's failed send, with the reason librdkafka knows but did not give:
 * a send it purged (`_PURGE_QUEUE`: a fatal or abortable error of the transaction emptied its
 * queue), refused for a fatal error (`_FATAL`), or that the broker refused for an old epoch
 * (47, 90) is answered with the transaction's own error,
 * read from librdkafka's transaction state (its begin answers it: the fatal error, `_FENCED`
 * for a fenced producer, or the abortable one; in a transaction that is still sound it answers
 * `_STATE` and does nothing, as one is open). Any other error, or when that state says nothing
 * more, is the send's own error.
 */
export async function transactionCause(error: unknown, producer: NativeClient | undefined): Promise<unknown> {
  const code = codeOf(error);
  if (code === undefined || !ASKED.has(code)) return error;
  const internal = (producer?.["_getInternalClient"] as (() => InternalProducer | null | undefined) | undefined)?.call(producer);
  if (!internal) return error;
  const state = await transactionState(internal);
  const cause = codeOf(state);
  // _STATE: the transaction is open and sound; _CONFLICT / _PREV_IN_PROGRESS: another
  // transactional call is under way, which says nothing of the transaction's state.
  if (cause === undefined || cause === STATE || cause === CONFLICT || cause === PREV_IN_PROGRESS) return error;
  const message = (state as { message?: unknown }).message;
  return Object.assign(new Error(`${String((error as { message?: unknown }).message ?? error)}: the transaction failed: ${String(message)}`), { code: cause, clientError: error });
}

/** The state being read per client: the sends that failed together share one read (librdkafka refuses simultaneous begins). */
const reading = new WeakMap<InternalProducer, Promise<unknown>>();

/** The error librdkafka's begin answers (the transaction's state), undefined if none. */
function transactionState(internal: InternalProducer): Promise<unknown> {
  let read = reading.get(internal);
  if (!read) {
    read = new Promise<unknown>((resolve) => {
      try {
        internal.beginTransaction((e) => resolve(e ?? undefined));
      } catch {
        resolve(undefined);
      }
    }).finally(() => reading.delete(internal));
    reading.set(internal, read);
  }
  return read;
}
