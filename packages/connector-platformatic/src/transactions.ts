/**
 * A transactional producer's primitives over platformatic's `Transaction` (core's
 * `TransactionDriver`), and its sends. What platformatic does that this file works around:
 *
 * - It registers the transactional id (InitProducerId) at the first `beginTransaction()`, not
 *   at connect. Core wants `connect()` to fence an older producer of the id at once, so
 *   `register` opens a transaction and cancels it (a local reset) at connect; later
 *   transactions reuse the producer id and epoch. It also sends producer id 0 and epoch 0 by
 *   default where the protocol says -1 for "a new producer": the broker fences such a request
 *   for an id it knows under another producer id, so `register` passes -1.
 * - InitProducerId sends the client's `timeout` option as the transaction timeout, the option
 *   every Produce request also sends as its broker-side timeout: `register` sets it to
 *   `transactionTimeoutMs` for that one request and puts the send timeout back.
 * - `addPartitions`, `addConsumer` and `addOffset` run through a de-duplication of concurrent
 *   calls by operation name: a second call while one is in flight gets the first one's answer
 *   and its own partitions or offsets are never sent (the broker then refuses the produce, or
 *   the offset is silently not committed). Every such call goes through one queue here; a send
 *   first adds its partitions through that queue, so `Transaction.send`'s own add finds nothing
 *   left to add, and sends then run side by side.
 * - `Producer.send` with no transaction open sends outside any transaction (it even re-registers
 *   as a plain idempotent producer), and `Transaction.send` falls back to it once the producer
 *   lost its transaction: every send checks, synchronously before handing over, that the
 *   transaction it joins is still the producer's.
 * - A commit or abort of a transaction that wrote nothing is refused by the broker
 *   (INVALID_TXN_STATE): such a transaction is only cancelled locally.
 * - After a fencing error platformatic may drop its transaction, after which its answers say
 *   nothing of the fencing ("in use by another transaction"): the first fencing answer of the
 *   broker (90 PRODUCER_FENCED, or 47 INVALID_PRODUCER_EPOCH on a produce request) is kept and
 *   every later call rejects with it, without reaching platformatic; core answers both codes as
 *   PRODUCER_FENCED.
 * - A commit or abort that failed leaves the broker's transaction in an unknown state (it may
 *   still be open, under our epoch: a new transaction would then be merged into it). The next
 *   `begin` aborts it again first; the broker answers INVALID_TXN_STATE when it is over already.
 */
import type { ProduceResult, TopicPartitionOffset } from "@qi/streaming";
import { isFencing, offsetsFromBase, partitionNotFound, stateError, toQiError, type ConsumerDriver, type ResolvedConfig, type RoutedRecord, type TransactionDriver } from "@qi/streaming/connector";
import { Admin, FindCoordinatorKeyTypes, findErrorBy, kOptions, type Consumer, type Message, type MessageRecord, type MessageToProduce, type Producer } from "@platformatic/kafka";
import { PlatformaticConsumerDriver, type GroupMember } from "./consumer.js";
import { classifyError } from "./errors.js";
import { baseOptions } from "./options.js";

type NativeProducer = Producer<Buffer, Buffer, Buffer, Buffer>;
/** platformatic does not export the `Transaction` class by name. */
type NativeTransaction = NonNullable<NativeProducer["transaction"]>;

/** The transaction open now, as this driver tracks it. */
interface Open {
  readonly tx: NativeTransaction;
  /** `topic:partition` already added to it. */
  readonly partitions: Set<string>;
  /** True once a request about it reached for the broker (AddPartitionsToTxn, AddOffsetsToTxn): from then on it ends at the broker. */
  touched: boolean;
}

/** What the transactions need of their producer driver. */
export interface TransactionHost {
  /** The platformatic producer (made on first use). */
  client(): NativeProducer;
  readonly config: ResolvedConfig;
  /** The broker-side produce timeout (the client's `timeout` option). */
  readonly produceTimeout: number;
  readonly transactionTimeoutMs: number;
}

const key = (topic: string, partition: number): string => `${topic}:${partition}`;

export class PlatformaticTransactions implements TransactionDriver {
  private open: Open | undefined;
  /** The commit or abort in flight (core may stop waiting for it). */
  private ending: Promise<void> | undefined;
  /** A transaction whose end failed: the broker may still hold it open. */
  private stale: NativeTransaction | undefined;
  /** The broker's first fencing answer: every later call rejects with it. */
  private fenced: unknown;
  /** Serialises platformatic's de-duplicated coordinator calls (see the top of this file). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Finds a group's coordinator for offsets sent by group id alone. */
  private admin: Admin | undefined;

  constructor(private readonly host: TransactionHost) {}

  /** At connect: registers the transactional id (InitProducerId), fencing any older producer of it. */
  async register(producer: NativeProducer): Promise<void> {
    const options = producer[kOptions];
    options.timeout = this.host.transactionTimeoutMs;
    try {
      // No producer id and epoch (-1, -1): platformatic's default (0, 0) asks the broker to bump the
      // epoch of producer id 0, which it refuses (PRODUCER_FENCED) for any id registered before
      // under another producer id, so a restarted producer could never take its id over.
      const tx = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      await tx.cancel();
    } catch (error) {
      // A failed begin leaves platformatic's transaction set (every later begin would fail).
      await producer.transaction?.cancel().catch(() => {});
      throw error;
    } finally {
      options.timeout = this.host.produceTimeout;
    }
  }

  async begin(): Promise<void> {
    this.refuseFenced();
    await this.ending;
    // Left open by a caller that never ended it: treated like one whose end failed.
    const left = this.open;
    this.open = undefined;
    if (left?.touched) this.stale ??= left.tx;
    else if (left) await left.tx.cancel().catch(() => {});
    await this.recover();
    const producer = this.host.client();
    try {
      const tx = await this.guard(producer.beginTransaction());
      this.open = { tx, partitions: new Set(), touched: false };
    } catch (error) {
      await producer.transaction?.cancel().catch(() => {});
      throw error;
    }
  }

  /** A transaction's send: its partitions added first (one at a time), then platformatic's `Transaction.send`. */
  async send(records: readonly RoutedRecord[], messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[]): Promise<readonly ProduceResult[]> {
    const open = this.current("send");
    await this.enlist(open, records);
    // Synchronously before the hand-over: platformatic would send outside any transaction once it has none.
    this.refuseFenced();
    if (this.open !== open || open.tx.completed || this.host.client().transaction !== open.tx) throw this.closed("send");
    const result = await this.guard(open.tx.send({ messages }));
    return offsetsFromBase(records, (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, baseOffset: o.offset })));
  }

  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], consumer: ConsumerDriver | undefined): Promise<void> {
    const open = this.current("sendOffsets");
    await this.serial(async () => {
      const producer = this.host.client();
      // platformatic's addOffset reads the partition's leader epoch without checking the partition exists (a TypeError in a callback).
      const metadata = await producer.metadata({ topics: [...new Set(offsets.map((o) => o.topic))] });
      for (const o of offsets) {
        const count = metadata.topics.get(o.topic)?.partitionsCount ?? 0;
        if (o.partition >= count) throw partitionNotFound(o.topic, o.partition, count, { connector: "platformatic", operation: "transaction.sendOffsets", field: "offsets.partition" });
      }
      const member = await this.member(groupId, consumer);
      this.requireOpen(open, "sendOffsets");
      open.touched = true;
      // AddOffsetsToTxn (platformatic reads only the group id, and sends it once per transaction).
      await this.guard(open.tx.addConsumer({ groupId } as Consumer<Buffer, Buffer, Buffer, Buffer>));
      for (const o of offsets) {
        this.requireOpen(open, "sendOffsets");
        // TxnOffsetCommit, one partition per call; platformatic commits the message's offset + 1.
        const message = { topic: o.topic, partition: o.partition, offset: BigInt(o.offset) - 1n, metadata: { consumer: member } } as unknown as Message<Buffer, Buffer, Buffer, Buffer>;
        await this.guard(open.tx.addOffset(message));
      }
    });
  }

  async commit(): Promise<void> {
    const open = this.current("commit");
    await this.queue;
    if (!open.touched) return this.cancel(open);
    await this.finish(open, "commit");
  }

  async abort(): Promise<void> {
    this.refuseFenced();
    // A commit core stopped waiting for: an abort now would be merged into it by platformatic.
    await this.ending;
    const open = this.current("abort");
    await this.queue;
    if (!open.touched) return this.cancel(open);
    await this.finish(open, "abort");
  }

  /** The producer disconnected: nothing here survives its client. */
  async reset(): Promise<void> {
    this.open = undefined;
    this.ending = undefined;
    this.stale = undefined;
    this.fenced = undefined;
    this.queue = Promise.resolve();
    const admin = this.admin;
    this.admin = undefined;
    await admin?.close().catch(() => {});
  }

  private async finish(open: Open, how: "commit" | "abort"): Promise<void> {
    const run = this.guard(how === "commit" ? open.tx.commit() : open.tx.abort());
    this.ending = run.then(
      () => {},
      () => {},
    );
    try {
      await run;
      if (this.open === open) this.open = undefined;
    } catch (error) {
      // A failed commit stays open for the abort core sends next; a failed abort is left for the next begin.
      if (how === "abort" && this.open === open) {
        this.open = undefined;
        if (this.fenced === undefined) this.stale = open.tx;
      }
      throw error;
    } finally {
      this.ending = undefined;
    }
  }

  private async cancel(open: Open): Promise<void> {
    if (this.open === open) this.open = undefined;
    await open.tx.cancel();
  }

  /** Aborts a transaction whose end failed, so the next one is not merged into it at the broker. */
  private async recover(): Promise<void> {
    const stale = this.stale;
    if (!stale) return;
    // platformatic let go of it (it ended after all, or a fencing error dropped it): nothing to abort through it.
    if (stale.completed || this.host.client().transaction !== stale) {
      this.stale = undefined;
      return;
    }
    try {
      await this.guard(stale.abort());
    } catch (error) {
      // INVALID_TXN_STATE: the broker holds no open transaction of ours (it ended after all).
      if (this.fenced !== undefined || !findErrorBy(error as Error, "apiId", "INVALID_TXN_STATE")) throw error;
    }
    this.stale = undefined;
    if (this.host.client().transaction === stale) await stale.cancel();
  }

  /** Adds the records' partitions to the transaction, one AddPartitionsToTxn at a time. */
  private async enlist(open: Open, records: readonly RoutedRecord[]): Promise<void> {
    const missing = (): { topic: string; partition: number }[] => {
      const out = new Map<string, { topic: string; partition: number }>();
      for (const r of records) if (!open.partitions.has(key(r.topic, r.partition))) out.set(key(r.topic, r.partition), { topic: r.topic, partition: r.partition });
      return [...out.values()];
    };
    if (missing().length === 0) return;
    await this.serial(async () => {
      const wanted = missing();
      if (wanted.length === 0) return;
      this.requireOpen(open, "send");
      const producer = this.host.client();
      const metadata = await producer.metadata({ topics: [...new Set(wanted.map((w) => w.topic))] });
      this.requireOpen(open, "send");
      open.touched = true;
      // platformatic reduces each partition modulo the count, in place: it gets copies.
      await this.guard(open.tx.addPartitions(metadata, wanted.map((w) => ({ ...w }) as MessageRecord)));
      for (const w of wanted) open.partitions.add(key(w.topic, w.partition));
    });
  }

  /** The group member a transaction's offsets are committed as. */
  private async member(groupId: string, consumer: ConsumerDriver | undefined): Promise<GroupMember> {
    const joined = consumer instanceof PlatformaticConsumerDriver ? consumer.member() : undefined;
    if (joined && joined.groupId === groupId) return joined;
    // By group id alone (or a member not in the group now): generation -1 and no member id, which
    // the broker takes for a transactional offset commit whatever the group's state, as Java's
    // sendOffsetsToTransaction(offsets, groupId) does.
    this.admin ??= this.newAdmin();
    const [found] = await this.admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] });
    if (!found) throw stateError("COORDINATOR_NOT_AVAILABLE", `no coordinator found for group "${groupId}"`, { connector: "platformatic", operation: "transaction.sendOffsets", groupId });
    return { groupId, generationId: -1, memberId: "", coordinatorId: found.nodeId };
  }

  private newAdmin(): Admin {
    const admin = new Admin(baseOptions(this.host.config));
    // An unheard `error` event throws; what matters reaches the caller of findCoordinator.
    admin.on("error", () => {});
    return admin;
  }

  /** Runs `task` after every coordinator call queued before it. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** A fencing answer of the broker makes the producer fenced for good. */
  private async guard<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (this.fenced === undefined && isFencing(toQiError(error, {}, classifyError))) this.fenced = error;
      throw error;
    }
  }

  private refuseFenced(): void {
    if (this.fenced !== undefined) throw this.fenced;
  }

  /** The open transaction, or the reason there is none. */
  private current(operation: string): Open {
    this.refuseFenced();
    const open = this.open;
    if (!open) throw stateError("NOT_IN_TRANSACTION", `transaction.${operation}: no transaction is open on this producer`, { connector: "platformatic", operation: `transaction.${operation}` });
    return open;
  }

  private requireOpen(open: Open, operation: string): void {
    this.refuseFenced();
    if (this.open !== open || open.tx.completed) throw this.closed(operation);
  }

  private closed(operation: string) {
    return stateError("TRANSACTION_CLOSED", `transaction.${operation}: the transaction ended before its request was sent`, { connector: "platformatic", operation: `transaction.${operation}` });
  }
}
