/**
 * The raw clients' own transactions, for the transaction rows' baseline: a transactional
 * producer (kafkajs `producer.transaction()`, confluent's KafkaJS-style `transaction()`,
 * platformatic `beginTransaction()`; then send and commit), and consume-transform-produce by
 * hand (a fetched batch, sliced as our consumer slices it; per slice a transaction: send one
 * output per input, the group's offsets, commit). Partitions are given explicitly, as our router
 * picks them (Java's murmur2), so both sides write the same records to the same partitions.
 */
import { createRequire } from "node:module";
import type { Readable } from "node:stream";

const load = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const kjs = (): typeof import("kafkajs") => load("kafkajs") as typeof import("kafkajs");
const plt = (): typeof import("@platformatic/kafka") => load("@platformatic/kafka") as typeof import("@platformatic/kafka");
const ckjs = (): any => (load("@confluentinc/kafka-javascript") as { KafkaJS: unknown }).KafkaJS;

/** A record of a transaction, its partition already chosen. */
export interface TxMsg {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly partition: number;
}

/** A transactional producer: `transaction` writes the messages in one transaction and commits it. */
export interface TxProducer {
  transaction(topic: string, messages: readonly TxMsg[]): Promise<void>;
  close(): Promise<void>;
}

/** One consume-transform-produce run: from `input` (read_committed) to `output`, one output per input. */
export interface EosJob {
  readonly input: string;
  readonly output: string;
  readonly groupId: string;
  readonly transactionalId: string;
  /** Most inputs per transaction: our consumer's `maxBatchSize`, so both sides commit as often. */
  readonly sliceSize: number;
  /** The output's partition for an input's key (the partition our router picks). */
  readonly partitionOf: (key: Buffer) => number;
  /** Called with each slice's size as its handling begins (the first call starts the clock). */
  readonly onSlice: (messages: number) => void;
  /** Called with a failure the run cannot return (the bench reports it and stops the run). */
  readonly onError: (error: unknown) => void;
}

/** A started consume-transform-produce run. */
export interface EosRun {
  close(): Promise<void>;
}

export interface RawTransactions {
  /** `options`: the client settings our connector gives its transactional producer. */
  producer(brokers: string[], transactionalId: string, options: Record<string, unknown>): Promise<TxProducer>;
  eos(brokers: string[], job: EosJob, options: Record<string, unknown>): Promise<EosRun>;
}

/**
 * Our connectors' retry settings (core's `retry` defaults: 5 retries, back-off from 300 ms
 * doubling to 30 s), given to the raw clients too. They matter here: after a commit the broker
 * answers the next transaction's AddPartitionsToTxn with CONCURRENT_TRANSACTIONS until its
 * markers are written, and a client waits its back-off before asking again. kafkajs's and the
 * confluent KafkaJS layer's own defaults are the same numbers; platformatic's is 1 s flat.
 */
const RETRY = { retries: 5, initialRetryTime: 300, maxRetryTime: 30_000 };
/**
 * Our kafkajs connector's retries for a transactional producer's sends (its
 * `transactionalSendRetry`): the first after 20 ms, as Java retries CONCURRENT_TRANSACTIONS, and
 * one more retry per halving from 300 ms, so the retry window stays as configured.
 */
const KAFKAJS_TX_RETRY = { retries: RETRY.retries + Math.ceil(Math.log2(RETRY.initialRetryTime / 20)), initialRetryTime: 20, maxRetryTime: RETRY.maxRetryTime };
const platformaticRetry = { retries: RETRY.retries, retryDelay: (_client: unknown, _operation: string, attempt: number): number => Math.min(RETRY.maxRetryTime, RETRY.initialRetryTime * 2 ** Math.max(0, attempt - 1)) };

/** The next offset to read after `offset`. */
const next = (offset: string | bigint): string => (BigInt(offset) + 1n).toString();

/** Resolves at the stream's next `readable` or `close`, whichever comes first, leaving no listener behind. */
function readable(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("readable", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("readable", done);
    stream.on("close", done);
  });
}

/** Runs `work` in the open transaction and commits it; on a failure aborts it (best effort) and rethrows. */
async function commitAfter<T extends { commit(): Promise<unknown>; abort(): Promise<unknown> }>(tx: T, work: (tx: T) => Promise<unknown>): Promise<void> {
  try {
    await work(tx);
    await tx.commit();
  } catch (error) {
    await tx.abort().catch(() => {});
    throw error;
  }
}

/** What our kafkajs connector gives a transactional producer (packages/connector-kafkajs/src/options.ts). */
function kafkajsTransactional(kafka: import("kafkajs").Kafka, transactionalId: string, options: Record<string, unknown>): import("kafkajs").Producer {
  return kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000, retry: KAFKAJS_TX_RETRY, allowAutoTopicCreation: false, ...options });
}

/** A confluent client (KafkaJS-style API) and what our confluent producer gives a transactional one (packages/connector-confluent/src/producer.ts; `options` has its linger.ms). */
function confluentTransactional(brokers: string[], transactionalId: string, options: Record<string, unknown>): { kafka: any; producer: any } {
  const kafka = new (ckjs().Kafka)({ kafkaJS: { brokers, clientId: "bench-raw", logLevel: 0, retry: RETRY } });
  return { kafka, producer: kafka.producer({ kafkaJS: { transactionalId, acks: -1, idempotent: true, transactionTimeout: 60_000 }, ...options }) };
}

/** Slices of at most `size`, in order. */
function slices<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

const kafkajs: RawTransactions = {
  async producer(brokers, transactionalId, options) {
    const { Kafka, logLevel } = kjs();
    const p = kafkajsTransactional(new Kafka({ brokers, clientId: "bench-raw", logLevel: logLevel.NOTHING, retry: RETRY }), transactionalId, options);
    await p.connect();
    return {
      async transaction(topic, messages) {
        await commitAfter(await p.transaction(), (tx) => tx.send({ topic, acks: -1, messages: messages as TxMsg[] }));
      },
      close: () => p.disconnect(),
    };
  },
  async eos(brokers, job, options) {
    const { Kafka, logLevel } = kjs();
    const kafka = new Kafka({ brokers, clientId: "bench-raw", logLevel: logLevel.NOTHING, retry: RETRY });
    const producer = kafkajsTransactional(kafka, job.transactionalId, options);
    // maxWaitTimeInMs as our connector sets it; kafkajs reads read_committed by default.
    const consumer = kafka.consumer({ groupId: job.groupId, maxWaitTimeInMs: 500, readUncommitted: false });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: job.input, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const slice of slices(batch.messages, job.sliceSize)) {
          if (!isRunning() || isStale()) return;
          job.onSlice(slice.length);
          const last = slice[slice.length - 1]!;
          await commitAfter(await producer.transaction(), async (tx) => {
            await tx.send({ topic: job.output, acks: -1, messages: slice.map((m) => ({ key: m.key, value: m.value, partition: job.partitionOf(m.key!) })) });
            await tx.sendOffsets({ consumerGroupId: job.groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next(last.offset) }] }] });
          }).catch((error: unknown) => {
            job.onError(error);
            throw error;
          });
          resolveOffset(last.offset);
          await heartbeat();
        }
      },
    });
    return { close: async () => void (await Promise.all([consumer.disconnect(), producer.disconnect()])) };
  },
};

const confluent: RawTransactions = {
  async producer(brokers, transactionalId, options) {
    const p = confluentTransactional(brokers, transactionalId, options).producer;
    await p.connect();
    return {
      async transaction(topic, messages) {
        // A fresh object per message: the client rewrites what it is given.
        await commitAfter(await p.transaction(), (tx) => tx.send({ topic, messages: messages.map((m) => ({ ...m })) }));
      },
      close: () => p.disconnect(),
    };
  },
  async eos(brokers, job, options) {
    const { kafka, producer } = confluentTransactional(brokers, job.transactionalId, options);
    // As our confluent consumer: batches of maxBatchSize, fetch.wait.max.ms 500, no auto-commit;
    // librdkafka reads read_committed by default.
    const consumer = kafka.consumer({ kafkaJS: { groupId: job.groupId, fromBeginning: true, autoCommit: false }, "js.consumer.max.batch.size": job.sliceSize, "fetch.wait.max.ms": 500, "isolation.level": "read_committed" });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [job.input] });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }: { batch: { topic: string; partition: number; messages: { key: Buffer; value: Buffer; offset: string }[] }; resolveOffset: (o: string) => void }) => {
        for (const slice of slices(batch.messages, job.sliceSize)) {
          job.onSlice(slice.length);
          const last = slice[slice.length - 1]!;
          await commitAfter(await producer.transaction(), async (tx: any) => {
            await tx.send({ topic: job.output, messages: slice.map((m) => ({ key: m.key, value: m.value, partition: job.partitionOf(m.key) })) });
            await tx.sendOffsets({ consumer, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next(last.offset) }] }] });
          }).catch((error: unknown) => {
            job.onError(error);
            throw error;
          });
          resolveOffset(last.offset);
        }
      },
    });
    return { close: async () => void (await Promise.all([consumer.disconnect(), producer.disconnect()])) };
  },
};

const platformatic: RawTransactions = {
  async producer(brokers, transactionalId, options) {
    // As our platformatic producer (packages/connector-platformatic/src/options.ts): idempotent, its retries.
    const p = new (plt().Producer)({ clientId: "bench-raw", bootstrapBrokers: brokers, idempotent: true, transactionalId, ...platformaticRetry, ...options });
    return {
      async transaction(topic, messages) {
        await commitAfter(await p.beginTransaction(), (tx) => tx.send({ messages: messages.map((m) => ({ topic, key: m.key, value: m.value, partition: m.partition })) }));
      },
      close: () => p.close(),
    };
  },
  async eos(brokers, job, options) {
    const { Consumer, Producer, MessagesStreamModes } = plt();
    const producer = new Producer({ clientId: "bench-raw", bootstrapBrokers: brokers, idempotent: true, transactionalId: job.transactionalId, ...platformaticRetry, ...options });
    // platformatic reads read_committed by default; maxWaitTime as our connector sets it.
    const consumer = new Consumer({ clientId: "bench-raw", bootstrapBrokers: brokers, groupId: job.groupId, maxWaitTime: 500, ...platformaticRetry });
    const stream = await consumer.consume({ topics: [job.input], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    type M = { topic: string; partition: number; key: Buffer; value: Buffer; offset: bigint; metadata: unknown };
    let closing = false;
    // The stream holds what one fetch returned: take all of it, per partition in slices, one
    // transaction each (the consumer's group joins the transaction, its offset goes with it).
    const loop = (async () => {
      while (!closing) {
        const fetched: M[] = [];
        for (let m = stream.read() as M | null; m !== null; m = stream.read() as M | null) fetched.push(m);
        if (fetched.length === 0) {
          await readable(stream as unknown as Readable);
          continue;
        }
        const byPartition = new Map<string, M[]>();
        for (const m of fetched) {
          const k = `${m.topic}:${m.partition}`;
          let list = byPartition.get(k);
          if (!list) byPartition.set(k, (list = []));
          list.push(m);
        }
        for (const list of byPartition.values()) {
          for (const slice of slices(list, job.sliceSize)) {
            if (closing) return;
            job.onSlice(slice.length);
            await commitAfter(await producer.beginTransaction(), async (tx) => {
              await tx.send({ messages: slice.map((m) => ({ topic: job.output, key: m.key, value: m.value, partition: job.partitionOf(m.key) })) });
              await tx.addConsumer(consumer as never);
              await tx.addOffset(slice[slice.length - 1]! as never);
            });
          }
        }
      }
    })().catch((error: unknown) => {
      if (!closing) job.onError(error);
    });
    return {
      async close() {
        closing = true;
        await stream.close().catch(() => {});
        await loop;
        await Promise.all([consumer.close(true).catch(() => {}), producer.close().catch(() => {})]);
      },
    };
  },
};

/* eslint-enable @typescript-eslint/no-explicit-any */

export const RAW_TRANSACTIONS: Readonly<Record<string, RawTransactions>> = { kafkajs, platformatic, confluent };
