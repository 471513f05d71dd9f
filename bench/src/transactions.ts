/**
 * The transaction rows: transactional produce (transactions of 100 messages committed one after
 * another) and exactly-once consume-transform-produce (a pre-filled input, one output per input,
 * each slice's output and offsets committed in one transaction), qi-streaming against each raw
 * client's own transactions, interleaved as the other rows are. A connector without
 * transactions (or whose driver fails) gets an error row, never a crashed bench.
 */
import type { IStreamingConnector, QiError } from "@qi/streaming";
import { partitionForKey } from "@qi/streaming/connector";
import type { Admin } from "kafkajs";
import { committedCount } from "./ceiling.js";
import type { EosJob, EosRun, RawTransactions, TxMsg, TxProducer } from "./raw-transactions.js";
import type { TxRun, TxSideResult } from "./report.js";
import { messages } from "./scenarios.js";
import { client } from "./wrapped.js";

/** The target for both rows (qi-streaming ÷ raw). */
export const TX_TARGET = 0.95;
/** Messages per transaction of the transactional-produce row. */
export const TX_SIZE = 100;
/** Partitions of every topic of these rows. */
const PARTITIONS = 6;
/** Our consumer's default `maxBatchSize`: the most inputs one exactly-once transaction carries, on both sides. */
export const EOS_SLICE = 500;

/** A failed Result as an exception the row reports (its code first). */
function must<T>(r: { isErr(): boolean; value?: T; error?: QiError }): T {
  if (r.isErr()) {
    const e = r.error!;
    throw new Error(`${e.code}: ${e.message}`);
  }
  return r.value as T;
}

/** Our transactional producer: `producer.transaction()`, one `sendBatch` of the messages, `commit()`. */
export async function ourTxProducer(connector: IStreamingConnector, brokers: string[], transactionalId: string, options: Record<string, unknown>): Promise<TxProducer> {
  const c = client(connector, brokers, options);
  try {
    const p = must(await c.getProducer({ transactionalId }));
    must(await p.connect());
    return {
      async transaction(topic, msgs) {
        const tx = must(await p.transaction());
        // Keys only: our router picks the partition the raw side is given.
        const sent = await tx.sendBatch(msgs.map((m) => ({ topic, message: { key: m.key, value: m.value } })));
        if (sent.isErr()) {
          await tx.abort();
          must(sent);
        }
        must(await tx.commit());
      },
      close: async () => void (await c.disconnect()),
    };
  } catch (error) {
    await c.disconnect();
    throw error;
  }
}

/** Our exactly-once run: `run({ exactlyOnce: { producer }, eachBatch })`, the slice's outputs through `context.transaction.sendBatch`. */
export async function ourEos(connector: IStreamingConnector, brokers: string[], job: EosJob, options: Record<string, unknown>): Promise<EosRun> {
  const c = client(connector, brokers, options);
  try {
    const producer = must(await c.getProducer({ transactionalId: job.transactionalId }));
    must(await producer.connect());
    // read_committed, as the raw clients read by default.
    const consumer = must(await c.getConsumer({ groupId: job.groupId, isolationLevel: "read_committed", maxBatchSize: job.sliceSize, onError: (e) => job.onError(new Error(`${e.code}: ${e.message}`)) }));
    must(await consumer.connect());
    must(await consumer.subscribe({ topics: [job.input], fromBeginning: true }));
    must(
      await consumer.run({
        exactlyOnce: { producer },
        eachBatch: async (batch, context) => {
          job.onSlice(batch.messages.length);
          // An err Result fails the attempt: core aborts the transaction and handles the slice again.
          return await context.transaction!.sendBatch(batch.messages.map((m) => ({ topic: job.output, message: { key: m.key, value: m.value } })));
        },
      }),
    );
    return { close: async () => void (await c.disconnect()) };
  } catch (error) {
    await c.disconnect();
    throw error;
  }
}

const now = (): number => performance.now();

type Who = "raw" | "ours";
type Rates = { msgsPerSec: number; txPerSec: number };

/**
 * `transactions` transactions of TX_SIZE messages on each side, one after another, both sides
 * connected at once and taking turns in blocks of `block` transactions (which side goes first
 * alternating), each on its own topic: both see the same moments of a busy machine, as the
 * paired single-send row does. A transaction takes 5 to 300 ms; in separate runs of a few
 * seconds the broker's and the machine's other work moved the ratio by more than the 5 % the
 * target allows. A side whose transaction fails is recorded in `failed` and takes no more turns.
 */
async function produceTransactionsPaired(sides: Partial<Record<Who, { p: TxProducer; topic: string }>>, transactions: number, failed: Partial<Record<Who, string>>, block = 5): Promise<Partial<Record<Who, Rates>>> {
  const all: TxMsg[] = messages(transactions * TX_SIZE, 100).map((m) => ({ key: m.key, value: m.value, partition: partitionForKey(m.key, PARTITIONS) }));
  const elapsed: Record<Who, number> = { raw: 0, ours: 0 };
  for (let i = 0, turn = 0; i < transactions; i += block, turn++) {
    for (const who of turn % 2 === 0 ? (["ours", "raw"] as const) : (["raw", "ours"] as const)) {
      const s = sides[who];
      if (!s || failed[who] !== undefined) continue;
      const t0 = now();
      try {
        for (let k = i; k < Math.min(i + block, transactions); k++) await s.p.transaction(s.topic, all.slice(k * TX_SIZE, (k + 1) * TX_SIZE));
      } catch (error) {
        failed[who] = message(error);
        continue;
      }
      elapsed[who] += now() - t0;
    }
  }
  const out: Partial<Record<Who, Rates>> = {};
  for (const who of ["raw", "ours"] as const) {
    if (sides[who] && failed[who] === undefined) out[who] = { msgsPerSec: all.length / (elapsed[who] / 1000), txPerSec: transactions / (elapsed[who] / 1000) };
  }
  return out;
}

/** What the rows need of main.ts: the broker, a fresh-topic helper, the admin, progress output. */
export interface TxBench {
  readonly name: string;
  readonly connector: IStreamingConnector;
  readonly raw: RawTransactions | undefined;
  readonly brokers: string[];
  readonly rounds: number;
  /** Client settings both sides get (the connector's own defaults, made explicit for the raw side). */
  readonly options: Record<string, unknown>;
  readonly topic: (partitions?: number) => Promise<string>;
  readonly unique: (prefix: string) => string;
  readonly admin: Admin;
  readonly status: (line: string) => void;
}

const median = (xs: number[]): number => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
const side = (rates: number[], tx: number[]): TxSideResult => ({ msgsPerSec: median(rates), txPerSec: median(tx), spread: [Math.min(...rates), Math.max(...rates)], rounds: rates });
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300);

/** The row from the rounds' rates and the sides' failures (a side that failed keeps no figures). */
function finish(row: TxRun, rates: Record<Who, number[]>, txs: Record<Who, number[]>, failed: Partial<Record<Who, string>>, name: string): TxRun {
  const errors = [failed.ours === undefined ? "" : `qi-streaming: ${failed.ours}`, failed.raw === undefined ? "" : `raw ${name}: ${failed.raw}`].filter(Boolean);
  const raw = failed.raw === undefined && rates.raw.length > 0 ? side(rates.raw, txs.raw) : undefined;
  const wrapped = failed.ours === undefined && rates.ours.length > 0 ? side(rates.ours, txs.ours) : undefined;
  return {
    ...row,
    ...(raw ? { raw } : {}),
    ...(wrapped ? { wrapped } : {}),
    ...(raw && wrapped ? { ratio: wrapped.msgsPerSec / raw.msgsPerSec } : {}),
    ...(errors.length > 0 ? { error: errors.join("; ") } : {}),
  };
}

const noRaw = (b: TxBench): Partial<Record<Who, string>> => (b.raw ? {} : { raw: `no raw ${b.name} transactions in the bench` });

/**
 * Runs `measure` for both sides, interleaved (round 0 a warm-up). A side that fails is not run
 * again and the row carries its error (and the other side's figures, when it has them).
 */
async function interleaved(b: TxBench, scenario: TxRun["scenario"], base: Omit<TxRun, "connector" | "scenario" | "target">, measure: (who: Who, round: number, last: boolean) => Promise<Rates>): Promise<TxRun> {
  const rates: Record<Who, number[]> = { raw: [], ours: [] };
  const txs: Record<Who, number[]> = { raw: [], ours: [] };
  const failed = noRaw(b);
  for (let round = 0; round <= b.rounds; round++) {
    // Ours first in round 0: a connector without transactions says so at once.
    for (const who of round % 2 === 0 ? (["ours", "raw"] as const) : (["raw", "ours"] as const)) {
      if (failed[who] !== undefined) continue;
      b.status(`${b.name} ${scenario}, round ${round === 0 ? "warm-up" : round}/${b.rounds}, ${who}`);
      try {
        const r = await measure(who, round, round === b.rounds);
        if (round > 0) {
          rates[who].push(r.msgsPerSec);
          txs[who].push(r.txPerSec);
        }
      } catch (error) {
        failed[who] = `${message(error)} (round ${round})`;
      }
    }
    if (failed.raw !== undefined && failed.ours !== undefined) break;
  }
  return finish({ connector: b.name, scenario, target: TX_TARGET, ...base }, rates, txs, failed, b.name);
}

/** Transactional produce: per round a fresh topic and transactional producer for each side, measured paired. */
export async function txProduceRow(b: TxBench, transactions: number): Promise<TxRun> {
  const expected = transactions * TX_SIZE;
  const readBack: NonNullable<TxRun["readBack"]> = { expected };
  const rates: Record<Who, number[]> = { raw: [], ours: [] };
  const txs: Record<Who, number[]> = { raw: [], ours: [] };
  const failed = noRaw(b);
  for (let round = 0; round <= b.rounds && (failed.raw === undefined || failed.ours === undefined); round++) {
    b.status(`${b.name} tx-produce, round ${round === 0 ? "warm-up" : round}/${b.rounds}, raw and ours paired`);
    const sides: Partial<Record<Who, { p: TxProducer; topic: string }>> = {};
    try {
      // Ours first: a connector without transactions says so at once.
      for (const who of ["ours", "raw"] as const) {
        if (failed[who] !== undefined) continue;
        const id = b.unique("bench-tx");
        try {
          const topic = await b.topic(PARTITIONS);
          sides[who] = { topic, p: who === "raw" ? await b.raw!.producer(b.brokers, id, b.options) : await ourTxProducer(b.connector, b.brokers, id, b.options) };
        } catch (error) {
          failed[who] = `${message(error)} (round ${round})`;
        }
      }
      const measured = await produceTransactionsPaired(sides, transactions, failed);
      for (const who of ["raw", "ours"] as const) {
        const r = measured[who];
        if (r && round > 0) {
          rates[who].push(r.msgsPerSec);
          txs[who].push(r.txPerSec);
        }
      }
    } finally {
      await Promise.all(Object.values(sides).map((s) => s.p.close().catch(() => {})));
    }
    if (round === b.rounds) {
      for (const who of ["raw", "ours"] as const) {
        const s = sides[who];
        if (s && failed[who] === undefined) readBack[who === "raw" ? "raw" : "wrapped"] = await committedCount(b.brokers, s.topic, expected);
      }
    }
  }
  return { ...finish({ connector: b.name, scenario: "tx-produce", target: TX_TARGET, messageBytes: 100, messagesPerRound: expected, perTransaction: TX_SIZE }, rates, txs, failed, b.name), readBack };
}

/** The sum of the group's committed offsets on `topic` (the broker's answer; -1, none yet, counts 0). */
async function committedSum(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/**
 * Exactly-once consume-transform-produce over the pre-filled `input` (`count` keyed messages):
 * a fresh output topic, group and transactional id per round and side. The clock runs from the
 * first slice handed to the handler (the group join is not measured) to the moment the broker
 * reports the group's committed offsets at the input's end (polled every 20 ms, both sides).
 */
export async function eosRow(b: TxBench, input: string, count: number): Promise<TxRun> {
  const readBack: NonNullable<TxRun["readBack"]> = { expected: count };
  const row = await interleaved(b, "eos", { messageBytes: 100, messagesPerRound: count, perTransaction: EOS_SLICE }, async (who, _round, last) => {
    const output = await b.topic(PARTITIONS);
    const groupId = b.unique("bench-eos-g");
    let t0: number | undefined;
    let transactions = 0;
    let failure: unknown;
    let failedAt = 0;
    const job: EosJob = {
      input,
      output,
      groupId,
      transactionalId: b.unique("bench-eos-tx"),
      sliceSize: EOS_SLICE,
      partitionOf: (key) => partitionForKey(key, PARTITIONS),
      onSlice: () => {
        t0 ??= now();
        transactions++;
      },
      onError: (error) => {
        failure ??= error;
        failedAt ||= now();
      },
    };
    const run = who === "raw" ? await b.raw!.eos(b.brokers, job, b.options) : await ourEos(b.connector, b.brokers, job, b.options);
    let rates: { msgsPerSec: number; txPerSec: number };
    try {
      const deadline = now() + 300_000;
      for (;;) {
        if ((await committedSum(b.admin, groupId, input)) >= count) break;
        // A reported failure may be retried by the client; 15 s without finishing ends the round.
        if (failure !== undefined && now() - failedAt > 15_000) throw failure;
        if (now() > deadline) throw new Error(`the group's committed offsets did not reach the input's end (${count}) within 300 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const s = (now() - (t0 ?? now())) / 1000;
      rates = { msgsPerSec: count / s, txPerSec: transactions / s };
    } finally {
      await run.close().catch(() => {});
    }
    if (last) readBack[who === "raw" ? "raw" : "wrapped"] = await committedCount(b.brokers, output, count);
    return rates;
  });
  return { ...row, readBack };
}

/** Fills `topic` with `count` keyed messages of 100 B, each in the partition our router picks (raw kafkajs, acks all). */
export async function fillEosInput(brokers: string[], topic: string, count: number): Promise<void> {
  const { Kafka, logLevel } = await import("kafkajs");
  const p = new Kafka({ brokers, clientId: "bench-fill", logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
  await p.connect();
  try {
    const all = messages(count, 100);
    for (let i = 0; i < all.length; i += 5_000) {
      await p.send({ topic, acks: -1, messages: all.slice(i, i + 5_000).map((m) => ({ key: m.key, value: m.value, partition: partitionForKey(m.key, PARTITIONS) })) });
    }
  } finally {
    await p.disconnect();
  }
}
