/**
 * Transactions under crashes, on a real broker. A process running an exactly-once processor is
 * SIGKILLed inside an open transaction, and a broker is SIGKILLed and restarted in the middle of
 * a stream of transactions. What a transaction wrote is read back from the broker with
 * `read_committed` (and the raw log with `read_uncommitted`), never taken from what a client
 * reported: every committed transaction is there whole, every other one whole or not at all,
 * and exactly-once processing leaves each input once in the output, its offsets committed.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createStreamingClient, type ConsumedMessage, type IStreamingProducer, type QiError, type StreamingClient } from "@qi/streaming";
import { expect } from "vitest";
import { startKafka } from "../harness/broker.js";
import { logEndOffsets } from "../harness/tools.js";
import { must, sleep, type TestBed } from "../suite/bed.js";
import { defineGroup } from "../suite/group.js";
import { CHILD_SCRIPT } from "./hygiene.js";
import type { ReliabilityOptions } from "./options.js";

/** The exactly-once processor: inputs over partitions, keys, slices of MAX_BATCH (one transaction each). */
const INPUTS = 3000;
const KEYS = 60;
const PARTITIONS = 4;
const MAX_BATCH = 50;
/** The first processor stops inside a transaction once it handled this many inputs. */
const HANG_AFTER = 1000;
/** ... inside a transaction that already holds this many of its outputs, each acknowledged. */
const HANG_AFTER_SENT = 10;
/** Kafka's minimum by default: the dead member leaves the group after it. */
const SESSION_TIMEOUT = 6000;
/** Short, so that a transaction nobody ends is aborted by the broker within the test (the restarted producer's InitProducerId aborts it at once). */
const TRANSACTION_TIMEOUT = 10_000;

/** The broker crash: transactions of TX_SIZE records; the broker killed twice (inside a transaction's sends, then with a commit in flight). */
const TX_SIZE = 50;
const TX_KEYS = 5;
/** The transaction the first kill comes in (between its two halves). */
const KILL_AT = 10;
/** Transactions committed after the first restart before the second kill (during a commit), and after the second before the stream stops. */
const BETWEEN_KILLS = 5;
const AFTER_RESTART = 8;

const header = (m: ConsumedMessage, name: string): string => m.headers[name]?.toString("utf8") ?? "";
const text = (b: Buffer | null): string => b?.toString("utf8") ?? "<null>";
const digest = (records: readonly { key: string; value: string }[]): string => {
  const lines = records.map((r) => `${r.key}\u0000${r.value}`).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex");
};

/** A child process running the reliability child's `exactly-once` job, its output read line by line. */
interface Processor {
  /** Resolves with the first line matching `pattern`; rejects when the child exits first or after `ms`. */
  line(pattern: RegExp, ms: number): Promise<string>;
  /** SIGKILL, and the exit. */
  kill(): Promise<void>;
  /** Closes its stdin (it disconnects and exits), SIGKILL after `ms`; true when it exited by itself with code 0. */
  close(ms: number): Promise<boolean>;
  stderr(): string;
}

function startProcessor(job: Record<string, unknown>): Processor {
  const child = spawn(process.execPath, [CHILD_SCRIPT], { env: { ...process.env, QI_CHILD: JSON.stringify(job) }, stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let buffer = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((r) =>
    child.on("exit", (code) => {
      exitCode = code;
      for (const w of waiters) w();
      r();
    }),
  );
  return {
    line: (pattern, ms) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find((l) => pattern.test(l));
          if (found !== undefined) done(() => resolve(found));
          else if (exitCode !== undefined) done(() => reject(new Error(`the processor exited (${exitCode}) before printing ${pattern}; stderr: ${stderr.slice(-800)}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`the processor printed no ${pattern} within ${ms} ms (last lines: ${lines.slice(-3).join(" | ")}); stderr: ${stderr.slice(-800)}`))), ms);
        const done = (then: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      }),
    kill: async () => {
      if (exitCode === undefined) child.kill("SIGKILL");
      await exited;
    },
    close: async (ms) => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      await exited;
      clearTimeout(timer);
      return exitCode === 0;
    },
    stderr: () => stderr,
  };
}

/**
 * A consumer that reads `topic` from the beginning with `isolationLevel`, joined, on `client`.
 * On a broker just restarted its group coordinator may still be loading and refuse a first join:
 * three tries, each on a fresh consumer (this reads the log; it is not what the tests are about).
 */
async function reader(client: StreamingClient, bed: TestBed, topic: string, isolationLevel: "read_committed" | "read_uncommitted"): Promise<ConsumedMessage[]> {
  for (let attempt = 1; ; attempt++) {
    const consumer = must(await client.getConsumer({ groupId: bed.name(`read-${isolationLevel}`), isolationLevel }));
    const got: ConsumedMessage[] = [];
    const connected = await consumer.connect();
    const subscribed = connected.isOk() ? await consumer.subscribe({ topics: [topic], fromBeginning: true }) : connected;
    const running = subscribed.isOk() ? await consumer.run({ eachMessage: (m) => void got.push(m) }) : subscribed;
    if (running.isOk()) return got;
    if (attempt === 3) throw new Error(`the ${isolationLevel} reader could not join: ${running.error.code}: ${running.error.message}`);
    void (await consumer.disconnect());
    await sleep(2000);
  }
}

/** Waits until `lists` hold at least `atLeast` records each and none grew for `quietMs`: the read-back is complete. */
async function settled(bed: TestBed, lists: readonly { list: readonly unknown[]; atLeast: number; what: string }[], quietMs: number, ms: number): Promise<void> {
  for (const l of lists) await bed.waitFor(() => l.list.length >= l.atLeast, `${l.atLeast} records read back (${l.what})`, ms);
  let sizes = lists.map((l) => l.list.length).join();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await sleep(100);
    const now = lists.map((l) => l.list.length).join();
    if (now !== sizes) [sizes, since] = [now, Date.now()];
  }
}

/** One transaction's outcome as the client saw it. */
interface TxOutcome {
  readonly tx: number;
  /** Where it failed: the begin, a send, the commit (or the test's abort after a failed send). */
  readonly failed?: { readonly stage: "begin" | "send" | "commit"; readonly error: QiError };
  readonly ms: number;
  /** When it ended (ms since the epoch). */
  readonly endedAt: number;
}

/** A kill of the broker and when it came back. */
interface Kill {
  /** The transaction it came in, and where: between its sends, or with its commit in flight. */
  readonly tx: number;
  readonly during: "send" | "commit";
  killedAt: number;
  restartedAt: number;
}

/** Transactions crash group: an exactly-once processor SIGKILLed mid-transaction (needs `connectorModule`); a broker SIGKILLed during a stream of transactions (needs the harness). */
export const transactionCrashTests = defineGroup<ReliabilityOptions>("transactions crash", ({ test, options }) => {
  test(`an exactly-once processor SIGKILLed inside an open transaction: nothing of it is visible to read_committed, and a processor restarted with the same transactionalId and group leaves each of ${INPUTS} inputs exactly once in the output, in order per key, the group's offsets at the input's end`, async (bed) => {
    const brokers = options.config?.().brokers;
    const input = await bed.topic(PARTITIONS);
    const output = await bed.topic(PARTITIONS);
    const groupId = bed.name("eos-g");
    const inputs = Array.from({ length: INPUTS }, (_, i) => ({ key: `k${i % KEYS}`, value: String(i) }));
    await bed.produce(input, INPUTS, (i) => inputs[i]!);
    // The input's end offsets from the broker (Kafka's own GetOffsetShell): what the group must reach.
    const ends = await logEndOffsets(brokers!, input);
    expect([...ends.values()].reduce((a, b) => a + b, 0), "records in the input's log").toBe(INPUTS);

    const job = {
      kind: "exactly-once",
      module: options.connectorModule,
      exportName: options.connectorExport,
      brokers,
      input,
      output,
      groupId,
      transactionalId: bed.name("eos-tx"),
      transactionTimeoutMs: TRANSACTION_TIMEOUT,
      sessionTimeout: SESSION_TIMEOUT,
      maxBatchSize: MAX_BATCH,
    };
    const first = startProcessor({ ...job, label: "first", hangAfter: HANG_AFTER, hangAfterSent: HANG_AFTER_SENT });
    let second: Processor | undefined;
    try {
      const open = JSON.parse((await first.line(/^open /, bed.t(60_000))).slice("open ".length)) as { partition: number; sent: string[]; handled: number };
      await first.kill();
      const killedAt = Date.now();
      const admin = await bed.admin();
      // The killed transaction carried its slice's offsets only at its end: nothing of the slice is committed.
      const atKill = must(await admin.fetchCommittedOffsets(groupId, input));
      const atKillOffset = Number(atKill.find((c) => c.partition === open.partition)?.offset ?? -1);
      expect(atKillOffset, "the killed slice's partition is committed up to the slice at most").toBeLessThanOrEqual(Number(open.sent[0]));

      second = startProcessor({ ...job, label: "second" });
      const committedNow = async (): Promise<Map<number, number>> => new Map(must(await admin.fetchCommittedOffsets(groupId, input)).map((c) => [c.partition, Number(c.offset)]));
      let committed = new Map<number, number>();
      const deadline = Date.now() + bed.t(90_000);
      while ([...ends].some(([p, end]) => committed.get(p) !== end)) {
        if (Date.now() > deadline) throw new Error(`the restarted processor did not commit the input's end offsets within ${bed.t(90_000)} ms: committed ${JSON.stringify([...committed])}, ends ${JSON.stringify([...ends])}; stderr: ${second.stderr().slice(-800)}`);
        await sleep(250);
        committed = await committedNow();
      }
      const resumedMs = Date.now() - killedAt;
      expect(await second.close(bed.t(30_000)), `the restarted processor disconnects and exits; stderr: ${second.stderr().slice(-400)}`).toBe(true);
      second = undefined;

      // Read back from the broker, both ways, after both processors are gone: the log is final.
      const client = bed.client();
      const [visible, raw] = await Promise.all([reader(client, bed, output, "read_committed"), reader(client, bed, output, "read_uncommitted")]);
      await settled(bed, [{ list: visible, atLeast: INPUTS, what: "read_committed" }, { list: raw, atLeast: INPUTS + open.sent.length, what: "read_uncommitted" }], bed.t(2000), 60_000);

      const killedSrcs = new Set(open.sent.map((o) => `${open.partition}:${o}`));
      const ofKilled = (m: ConsumedMessage): boolean => header(m, "by") === "first" && killedSrcs.has(header(m, "src"));
      // The test's teeth: the killed transaction's records are in the log (the raw read sees them) ...
      expect(raw.filter(ofKilled).length, "records the killed transaction wrote, in the raw log").toBe(open.sent.length);
      // ... and read_committed sees none of them.
      expect(visible.filter(ofKilled).map((m) => header(m, "src")), "records of the killed transaction visible to read_committed").toEqual([]);

      const perSrc = new Map<string, number>();
      for (const m of visible) perSrc.set(header(m, "src"), (perSrc.get(header(m, "src")) ?? 0) + 1);
      const twice = [...perSrc].filter(([, n]) => n > 1);
      expect(twice.slice(0, 5), `${twice.length} inputs in the read_committed output more than once`).toEqual([]);
      expect(visible.length, "records in the read_committed output").toBe(INPUTS);
      expect(perSrc.size, "distinct inputs in the read_committed output").toBe(INPUTS);
      const outputs = visible.map((m) => ({ key: text(m.key), value: text(m.value) }));
      expect(digest(outputs), "digest of key+value, output vs input").toBe(digest(inputs));
      // Order per key: a key's inputs have increasing values, and its output must keep them so.
      const byKey = new Map<string, number[]>();
      for (const o of outputs) byKey.set(o.key, [...(byKey.get(o.key) ?? []), Number(o.value)]);
      const disordered = [...byKey].filter(([, values]) => values.some((v, i) => i > 0 && v <= values[i - 1]!));
      expect(disordered.slice(0, 3).map(([k, v]) => `${k}: ${v.slice(0, 10).join(",")}`), `${disordered.length} keys out of order`).toEqual([]);
      // The group's committed offsets are the input's end offsets (read from the broker once more, both processors gone).
      expect(Object.fromEntries(await committedNow())).toEqual(Object.fromEntries(ends));

      const byFirst = visible.filter((m) => header(m, "by") === "first").length;
      bed.report(
        `transactions, processor SIGKILL (${bed.options.name ?? bed.options.connector.name}): killed inside an open transaction after ${open.handled} of ${INPUTS} inputs handled, ${open.sent.length} of them in that transaction, their outputs sent (in the raw log, none visible to read_committed); the restarted processor committed the input's end offsets ${(resumedMs / 1000).toFixed(1)} s after the kill; read_committed output ${visible.length} records (${byFirst} by the first processor, ${visible.length - byFirst} by the second), 0 duplicates, digest equal, order per key kept; ${raw.length} records in the raw log`,
      );
    } finally {
      await first.kill();
      if (second) await second.kill();
    }
  }, { needs: ["network", "transactions"], timeout: 180_000, when: options.connectorModule !== undefined });

  test(`a broker SIGKILLed and restarted during a stream of transactions of ${TX_SIZE} records: read with read_committed, every transaction whose commit returned ok is there whole, every other one whole or not at all, none twice, each failure a classified error`, async (bed) => {
    const kafka = await startKafka({ log: () => {} });
    let restarting: Promise<void> | undefined;
    try {
      const timeouts = { connectionTimeout: 3000, requestTimeout: 5000 };
      const client = must(createStreamingClient(bed.baseConfig({ brokers: kafka.brokers, ...timeouts, retry: { retries: 8, initialRetryTimeMs: 200, maxRetryTimeMs: 2000 } })));
      const admin = must(await client.getAdmin());
      must(await admin.connect());
      const topic = bed.name("tx-crash");
      must(await admin.createTopics([{ topic, numPartitions: 3 }]));
      const producer: IStreamingProducer = must(await client.getProducer({ transactionalId: bed.name("tx"), transactionTimeoutMs: TRANSACTION_TIMEOUT, timeout: 5000 }));
      must(await producer.connect());

      const records = (tx: number) => Array.from({ length: TX_SIZE }, (_, j) => ({ topic, message: { key: `k${j % TX_KEYS}`, value: `${tx}:${j}`, headers: { tx: String(tx), seq: String(j) } } }));
      /** The broker's two kills: inside a transaction's sends, then while a commit is in flight. */
      const kills: Kill[] = [];
      const up = (): boolean => kills.every((k) => k.restartedAt > 0);
      const kill = async (tx: number, during: Kill["during"]): Promise<void> => {
        const k: Kill = { tx, during, killedAt: 0, restartedAt: 0 };
        kills.push(k);
        await kafka.kill();
        k.killedAt = Date.now();
        // As broker-crash does: the broker comes back a second after the kill, while the stream goes on.
        restarting = sleep(1000)
          .then(() => kafka.restart())
          .then(() => void (k.restartedAt = Date.now()));
      };
      const committedSince = (tx: number): number => outcomes.filter((o) => !o.failed && o.tx > tx).length;
      const outcomes: TxOutcome[] = [];

      /** One transaction: begin, send its records, commit; a kill may come between its two halves or with its commit. */
      const transaction = async (tx: number, killWhen: Kill["during"] | undefined): Promise<TxOutcome> => {
        const started = Date.now();
        const outcome = (failed?: TxOutcome["failed"]): TxOutcome => ({ tx, ms: Date.now() - started, endedAt: Date.now(), ...(failed ? { failed } : {}) });
        const begun = await producer.transaction();
        if (begun.isErr()) return outcome({ stage: "begin", error: begun.error });
        const open = begun.value;
        const batch = records(tx);
        const halves = killWhen === "send" ? [batch.slice(0, TX_SIZE / 2), batch.slice(TX_SIZE / 2)] : [batch];
        for (const [i, half] of halves.entries()) {
          if (i === 1) await kill(tx, "send");
          const sent = await open.sendBatch(half);
          if (sent.isErr()) {
            // The application's choice after a failed send: abort (commit would abort too).
            void (await open.abort());
            return outcome({ stage: "send", error: sent.error });
          }
        }
        // Every record acknowledged; the broker dies as the commit (EndTxn) leaves: its answer may be lost.
        const committing = open.commit();
        if (killWhen === "commit") await kill(tx, "commit");
        const committed = await committing;
        return outcome(committed.isErr() ? { stage: "commit", error: committed.error } : undefined);
      };

      let reinits = 0;
      let failedInARow = 0;
      const deadline = Date.now() + bed.t(90_000);
      for (let tx = 0; Date.now() < deadline; tx++) {
        const killWhen = kills.length === 0 && tx === KILL_AT ? "send" : kills.length === 1 && up() && committedSince(kills[0]!.tx) >= BETWEEN_KILLS ? "commit" : undefined;
        const o = await transaction(tx, killWhen);
        outcomes.push(o);
        if (kills.length === 2 && up() && committedSince(kills[1]!.tx) >= AFTER_RESTART) break;
        if (!o.failed) {
          failedInARow = 0;
          continue;
        }
        failedInARow++;
        await sleep(200);
        // Once the broker is back, a producer that answers a fatal error (a commit of unknown
        // outcome leaves some clients so) or keeps failing is re-registered: disconnect, then
        // connect, InitProducerId with the same id, which completes or aborts what it left open;
        // as Java's guide does after a fatal error. Counted and reported.
        if (up() && (!o.failed.error.retriable || failedInARow >= 3)) {
          reinits++;
          failedInARow = 0;
          void (await producer.disconnect());
          void (await producer.connect());
        }
      }
      await restarting;
      const okd = outcomes.filter((o) => !o.failed);
      const failed = outcomes.filter((o) => o.failed);
      const failures = failed.map((f) => `${f.tx} ${f.failed!.stage}:${f.failed!.error.code}`).join(", ");
      expect(kills.map((k) => k.during), `the broker was killed inside a transaction's sends, then during a commit (failures: ${failures})`).toEqual(["send", "commit"]);
      const recovered = kills.map((k) => okd.find((o) => o.tx > k.tx));
      expect(recovered.every((o) => o !== undefined), `transactions commit after each restart (failures: ${failures})`).toBe(true);
      must(await producer.disconnect());

      // Read back from the broker with read_committed, once the producer is gone.
      const visible = await reader(client, bed, topic, "read_committed");
      await settled(bed, [{ list: visible, atLeast: okd.length * TX_SIZE, what: "read_committed" }], bed.t(2000), 60_000);
      const perTx = new Map<number, Map<number, number>>();
      for (const m of visible) {
        const [tx, seq] = text(m.value).split(":").map(Number) as [number, number];
        expect({ tx: header(m, "tx"), seq: header(m, "seq") }, "headers match the value").toEqual({ tx: String(tx), seq: String(seq) });
        const seqs = perTx.get(tx) ?? new Map<number, number>();
        seqs.set(seq, (seqs.get(seq) ?? 0) + 1);
        perTx.set(tx, seqs);
      }
      const whole = (tx: number): boolean => {
        const seqs = perTx.get(tx);
        return seqs !== undefined && seqs.size === TX_SIZE && [...seqs.values()].every((n) => n === 1);
      };
      const notWhole = okd.filter((o) => !whole(o.tx)).map((o) => `${o.tx}: ${perTx.get(o.tx)?.size ?? 0} of ${TX_SIZE}`);
      expect(notWhole, "committed transactions not there whole, once").toEqual([]);
      const partial = failed.filter((o) => perTx.has(o.tx) && !whole(o.tx)).map((o) => `${o.tx} (${o.failed!.stage}:${o.failed!.error.code}): ${perTx.get(o.tx)!.size} of ${TX_SIZE}`);
      expect(partial, "failed transactions partly visible").toEqual([]);
      const unknown = [...perTx.keys()].filter((tx) => !outcomes.some((o) => o.tx === tx));
      expect(unknown, "transactions in the log the test never ran").toEqual([]);
      // Per partition, transactions in the order they ran, a transaction's records in send order.
      const byPartition = new Map<number, number[]>();
      for (const m of visible) {
        const [tx, seq] = text(m.value).split(":").map(Number) as [number, number];
        byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), tx * TX_SIZE + seq]);
      }
      for (const [p, order] of byPartition) expect(order.filter((v, i) => i > 0 && v <= order[i - 1]!).length, `records out of order in partition ${p}`).toBe(0);

      const landed = failed.filter((o) => whole(o.tx));
      const codes: Record<string, number> = {};
      const samples: Record<string, string> = {};
      for (const f of failed) {
        const code = `${f.failed!.stage}:${f.failed!.error.code}`;
        codes[code] = (codes[code] ?? 0) + 1;
        samples[code] ??= `${f.failed!.error.category}, retriable ${f.failed!.error.retriable}: ${f.failed!.error.message.slice(0, 300)}`;
      }
      const during = (k: Kill, i: number) =>
        `kill inside the ${k.during === "send" ? "sends" : "commit"} of transaction ${k.tx} (${(() => {
          const o = outcomes.find((x) => x.tx === k.tx)!;
          return o.failed ? `${o.failed.stage}:${o.failed.error.code}, ${whole(k.tx) ? "whole" : "absent"} in the log` : "committed ok";
        })()}): broker back ${((k.restartedAt - k.killedAt) / 1000).toFixed(1)} s after it, first commit after it ${((recovered[i]!.endedAt - k.killedAt) / 1000).toFixed(1)} s`;
      bed.report(
        `transactions, broker SIGKILL (${bed.options.name ?? bed.options.connector.name}): ${outcomes.length} transactions of ${TX_SIZE}, ${okd.length} committed (all whole in read_committed), ${failed.length} failed ${JSON.stringify(codes)} (${landed.length} of them whole in the log: commit answer lost, ${failed.length - landed.length} absent, 0 partial), slowest failure ${(Math.max(0, ...failed.map((f) => f.ms)) / 1000).toFixed(1)} s; ${kills.map(during).join("; ")}; producer re-registered ${reinits} times; ${visible.length} records read`,
      );
      bed.report(`transactions, broker SIGKILL (${bed.options.name ?? bed.options.connector.name}), the first error of each code: ${JSON.stringify(samples)}`);
      // Each failure a classified error (a timeout, an unreachable broker or coordinator, a state
      // the producer says it is in), never "something unexpected": an application must be able
      // to tell a commit of unknown outcome from a bug. Soft, so the figures above still show.
      const unclassified = failed.map((f) => f.failed!).filter((f) => f.error.category === "INTERNAL" || f.error.code === "UNEXPECTED_ERROR");
      expect.soft(unclassified.slice(0, 3).map((f) => `${f.stage}: ${f.error.category}/${f.error.code}: ${f.error.message.slice(0, 200)}`), `${unclassified.length} failures not classified`).toEqual([]);
      must(await client.disconnect());
    } finally {
      await restarting?.catch(() => undefined);
      await kafka.stop();
    }
  }, { needs: ["network", "transactions"], timeout: 180_000 });
});
