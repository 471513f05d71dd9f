/**
 * The transactional producer's primitives over kafkajs 2.2.4 (core's `TransactionDriver`).
 *
 * - `begin` is kafkajs's `producer.transaction()`: local only (the id was registered at connect,
 *   see `registerTransactionalId`), it returns the transaction object through which alone writes
 *   join the transaction (kafkajs's `producer.send` meanwhile writes outside it). The producer
 *   driver's `send` therefore takes `active()` and never the producer.
 * - `sendOffsets` is the transaction's `sendOffsets` (AddOffsetsToTxn, then TxnOffsetCommit),
 *   retried here when the coordinator answers it did nothing (CONCURRENT_TRANSACTIONS right after
 *   the previous commit, a coordinator moving or loading): kafkajs retries none of these on
 *   AddOffsetsToTxn (kafkajs issues #430, #1068).
 * - `commit` and `abort` are the transaction's (EndTxn).
 *
 * kafkajs's transaction state machine has no way back from a failed commit or abort: it stays in
 * COMMITTING or ABORTING and refuses every later call (kafkajs issue #1355). When the end was
 * not applied (the coordinator refused it, or kafkajs found no coordinator to send it to), the
 * driver renews the kafkajs producer: a fresh one registers the same id (InitProducerId), which
 * makes the coordinator abort the open transaction, and the producer goes on. When there was no
 * answer (a timeout, a lost connection), the outcome is unknown (a commit that reached the
 * coordinator is completed by it), so an abort cannot be reported and the driver does not renew
 * by itself: the producer answers a clear CLIENT_FATAL_ERROR until it is disconnected and
 * connected again (which registers the id anew: the coordinator then completes or aborts that
 * transaction). A fenced producer is never renewed: that would take the id back from the
 * producer that took it (kafkajs's InitProducerId v0/v1 takes an id over unconditionally).
 */
import type { TopicPartitionOffset } from "@qi/streaming";
import type { ResolvedConfig, TransactionDriver } from "@qi/streaming/connector";
import type { Producer, Transaction } from "kafkajs";
import { coordinatorNotDone, endRefused, isFencingError, KafkajsProducerUnusableError } from "./errors.js";

/**
 * Registers the producer's transactional id with the broker now rather than at the first
 * transaction, as Java's `initTransactions()`: kafkajs sends InitProducerId at its first
 * `transaction()`. Opening and aborting an empty transaction sends InitProducerId (retried by
 * kafkajs while the coordinator finishes an older producer's transaction) and nothing else: an
 * abort with no partition and no offset added sends no EndTxn. From here a newer producer with
 * the same id fences this one, and this one has fenced every older one.
 */
export async function registerTransactionalId(producer: Producer): Promise<void> {
  const first = await producer.transaction();
  await first.abort();
}

/** What the transactions need of their producer driver. */
export interface TransactionalProducer {
  /** The kafkajs producer in use. */
  current(): Producer;
  /** Replaces it with a fresh one, connected and registered; the old one is closed. */
  renew(): Promise<void>;
  /** Resolves once every send handed to kafkajs has settled (never rejects). */
  settled(): Promise<void>;
}

/** Where the transaction of this driver stands. */
type Phase = "none" | "open" | "committed" | "commit-failed";

export class KafkajsTransactions implements TransactionDriver {
  private tx: Transaction | undefined;
  private phase: Phase = "none";
  /** kafkajs's state machine is stuck after an end that was not applied: the next call renews the producer first. */
  private stuck = false;
  /** Why this producer can go on no more (fenced, or an end of unknown outcome); cleared by `reset` at connect. */
  private unusable: unknown;
  /** The calls in order: an end waits for the sendOffsets before it, an abort for a commit still unanswered. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly producer: TransactionalProducer,
    private readonly retry: ResolvedConfig["retry"],
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** A fresh, registered kafkajs producer was connected: nothing is open, nothing is stuck. */
  reset(): void {
    this.tx = undefined;
    this.phase = "none";
    this.stuck = false;
    this.unusable = undefined;
  }

  /** The open kafkajs transaction, for a send; throws rather than let a write go outside it. */
  active(): Transaction {
    if (this.unusable) throw this.unusable;
    const tx = this.tx;
    if (this.phase !== "open" || !tx?.isActive()) throw new KafkajsProducerUnusableError("kafkajs: a transactional producer's send outside an open transaction (nothing was written)");
    return tx;
  }

  /**
   * A send of the transaction failed: passed on as it is (core answers the broker's 47 on a
   * produce as PRODUCER_FENCED); a fenced one makes the producer unusable from here.
   */
  sendFailed(error: unknown): unknown {
    if (isFencingError(error)) this.unusable ??= error;
    return error;
  }

  /**
   * Opens the next transaction once no send of an earlier one is left in kafkajs. A send core
   * gave up on (its timeout) may still be retried by kafkajs, and a retry adds its partition to
   * whatever transaction is open then: opened meanwhile, the next transaction would carry the
   * earlier one's records and commit them (seen when a broker restarts: half of an aborted
   * transaction became visible with the next). A retry after the earlier transaction ended and
   * before another opens fails (kafkajs refuses to add partitions outside a transaction).
   */
  begin(): Promise<void> {
    return this.serial(async () => {
      if (this.unusable) throw this.unusable;
      await this.producer.settled();
      if (this.stuck) await this.renew();
      // A begin that core gave up on (its timeout) may have opened one since: nothing was sent in it.
      if (this.phase === "open" && this.tx?.isActive()) return;
      this.tx = await this.producer.current().transaction();
      this.phase = "open";
    });
  }

  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return this.serial(async () => {
      const tx = this.opened("sendOffsets");
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const { topic, partition, offset } of offsets) {
        let partitions = byTopic.get(topic);
        if (!partitions) byTopic.set(topic, (partitions = []));
        partitions.push({ partition, offset });
      }
      const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
      for (let attempt = 0; ; attempt++) {
        try {
          await tx.sendOffsets({ consumerGroupId: groupId, topics });
          return;
        } catch (error) {
          if (isFencingError(error)) this.unusable = error;
          if (!coordinatorNotDone(error) || attempt >= this.retry.retries) throw error;
        }
        await this.sleep(Math.min(this.retry.initialRetryTimeMs * 2 ** attempt, this.retry.maxRetryTimeMs));
      }
    });
  }

  commit(): Promise<void> {
    return this.serial(async () => {
      const tx = this.opened("commit");
      try {
        await tx.commit();
        this.phase = "committed";
      } catch (error) {
        this.ended(error, "commit");
        this.phase = "commit-failed";
        throw error;
      }
    });
  }

  abort(): Promise<void> {
    return this.serial(async () => {
      if (this.unusable) throw this.unusable;
      switch (this.phase) {
        case "none":
          return; // nothing open (core aborts only what it opened; kept harmless)
        case "committed":
          // The commit was answered after core's timeout gave up on it: it is done, and nothing can undo it.
          throw new KafkajsProducerUnusableError("kafkajs: the transaction's commit succeeded after all (its answer came late); there is nothing to abort");
        case "commit-failed":
          // The commit was not applied (else `unusable` is set): renewing aborts the transaction.
          await this.renew();
          return;
        case "open": {
          const tx = this.tx!;
          try {
            await tx.abort();
            this.phase = "none";
            this.tx = undefined;
          } catch (error) {
            this.ended(error, "abort");
            if (this.unusable) throw this.unusable;
            // The abort was not applied: renewing aborts the transaction all the same.
            await this.renew();
          }
        }
      }
    });
  }

  /** A transaction that needs one open. */
  private opened(operation: string): Transaction {
    if (this.unusable) throw this.unusable;
    if (this.phase !== "open" || !this.tx) throw new KafkajsProducerUnusableError(`kafkajs: transaction ${operation} without an open transaction`);
    return this.tx;
  }

  /** After a failed commit or abort (kafkajs is stuck): fenced, not applied (renew), or of unknown outcome (unusable). */
  private ended(error: unknown, operation: "commit" | "abort"): void {
    if (isFencingError(error)) {
      this.unusable = error;
    } else if (endRefused(error)) {
      this.stuck = true;
    } else {
      // No `cause`: core classifies by the deepest error, which would make this a plain timeout again.
      this.unusable = new KafkajsProducerUnusableError(
        `kafkajs: the transaction's ${operation} got no answer (${describe(error)}), so whether it ${operation === "commit" ? "committed" : "aborted"} is unknown, and kafkajs cannot go on with this producer (kafkajs issue #1355). ` +
          "Disconnect the producer and connect it again (or make a new one): registering the transactional id again makes the broker complete or abort that transaction",
      );
    }
  }

  /** A fresh kafkajs producer in place of the stuck one; the driver's state with it. */
  private async renew(): Promise<void> {
    await this.producer.renew();
    this.reset();
  }

  private serial<T>(call: () => Promise<T>): Promise<T> {
    const run = this.chain.then(call, call);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
