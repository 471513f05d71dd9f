/**
 * `pnpm bench [--quick]`: qi-streaming over each raw client, interleaved and repeated in one run
 * against one harness broker, with Kafka's perf tools as the ceiling. Writes reports/bench.json,
 * docs/benchmarks.md and docs/benchmarks.svg.
 *
 * Flags (for profiling one part): --only=kafkajs,confluent
 * --scenarios=single,batch100,pipelined,consume,latency,settings,idempotence,flood,consume-memory,tx-produce,eos,consume-io
 * (consume-io also runs on the memory connector: --only=memory selects it; --merge writes a partial run's consume-io rows into reports/bench.json and the docs)
 * --io-rows=key N=32 (only those consume-io rows)  --max-held=N (their maxHeldMessages)  --no-memory-rss (no consume-io child)
 * --rounds=N  --transactions=N (per tx-produce round)  --eos-messages=N (the eos input)  --no-ceiling  --no-memory  --no-write (print only, keep the committed report);
 * --report-only rewrites docs/benchmarks.md and the chart from reports/bench.json (after editing bench/FINDINGS.md).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { IStreamingConnector } from "@qi/streaming";
import { memoryConnector } from "@qi/streaming/connector";
import { kafkaFromEnv, logEndOffsets, logRecordCount, startKafka } from "@qi/streaming-testkit/harness";
import type { ChildJob, ConsumeResult, FloodResult } from "./child.js";
import { consumerPerformance, producerPerformance } from "./ceiling.js";
import { RAW_CLIENTS, type RawClient, type RawConsumer, type RawProducer } from "./raw.js";
import { RAW_TRANSACTIONS } from "./raw-transactions.js";
import { writeReport, type BenchReport, type ConsumeMemory, type Flood, type Idempotence, type Run, type Setting, type TxRun } from "./report.js";
import { consumeAll, latency, messages, produceBatched, producePipelined, produceSingle, produceSinglePaired, type ConsumeStats } from "./scenarios.js";
import { EOS_SLICE, eosRow, fillEosInput, TX_TARGET, txProduceRow, type TxBench } from "./transactions.js";
import { wrappedConsumer, wrappedProducer } from "./wrapped.js";
import { checkFilled, consumeIo, fillKeyed, fillKeyedMemory, ioRows, MEMORY_ROW, uncappedIdeal, type IoRowSpec, type IoStats } from "./concurrency.js";
import type { ConcurrencyMemory, ConcurrencyRun } from "./report.js";
import type { ConsumeIoResult } from "./child.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes("--quick");
const only = flag("only")?.split(",");
const scenarios = new Set(flag("scenarios")?.split(",") ?? ["single", "batch100", "pipelined", "consume", "latency", "settings", "idempotence", "flood", "consume-memory", "tx-produce", "eos", "consume-io"]);
const root = fileURLToPath(new URL("../..", import.meta.url));
if (args.includes("--report-only")) {
  writeReport(root, JSON.parse(readFileSync(join(root, "reports", "bench.json"), "utf8")) as BenchReport);
  process.exit(0);
}
const COUNTS = quick
  ? { rounds: 1, single: 300, bulk: 5_000, pipelined: 5_000, consume: 50_000, latency: 100, flood: 30_000, processRounds: 1, transactions: 20, eos: 5_000 }
  : { rounds: 5, single: 1_000, bulk: 50_000, pipelined: 20_000, consume: 1_000_000, latency: 1_000, flood: 300_000, processRounds: 2, transactions: 100, eos: 30_000 };
if (flag("rounds")) COUNTS.rounds = Number(flag("rounds"));
if (flag("transactions")) COUNTS.transactions = Number(flag("transactions"));
if (flag("eos-messages")) COUNTS.eos = Number(flag("eos-messages"));
const TARGETS: Record<string, number> = { single: 0.9, batch100: 0.97, pipelined: 0.97, consume: 0.97 };

/**
 * The connectors under test. Each is loaded when its turn comes; a package that is missing, not
 * built or broken (a native addon that did not compile) skips its entry with the reason printed.
 * `producer` holds the client settings both sides use per scenario, so the ratio compares the
 * layers, not the settings (the `settings` section measures the connector's defaults).
 */
interface Entry {
  readonly name: string;
  readonly load: () => Promise<{ connector: IStreamingConnector }>;
  readonly raw: RawClient;
  /** Client options both sides get for a produce scenario (the raw side reads the same keys). */
  readonly produceOptions?: (scenario: string) => Record<string, unknown>;
  /**
   * Client options both sides of the transaction rows get: the connector's own defaults for a
   * transactional producer, made explicit so the raw client runs with them too.
   */
  readonly txOptions?: Record<string, unknown>;
  /** Settings worth measuring against the connector's defaults: [label, scenario, options]. */
  readonly settings?: readonly [string, "single" | "pipelined" | "consume", Record<string, unknown>][];
}
const ENTRIES: readonly Entry[] = [
  {
    name: "kafkajs",
    load: () => import("@qi/streaming-kafkajs"),
    raw: RAW_CLIENTS.kafkajs!,
    settings: [["partitionsConsumedConcurrently: 3", "consume", { partitionsConsumedConcurrently: 3 }]],
  },
  { name: "platformatic", load: () => import("@qi/streaming-platformatic"), raw: RAW_CLIENTS.platformatic! },
  {
    name: "confluent",
    load: () => import("@qi/streaming-confluent"),
    raw: RAW_CLIENTS.confluent!,
    // librdkafka batches by itself: linger 0 for awaited sends (nothing to wait for), 5 ms for throughput.
    produceOptions: (scenario) => ({ "linger.ms": scenario === "single" ? 0 : 5 }),
    // The connector's default (an awaited transactional send is not held back).
    txOptions: { "linger.ms": 0 },
    settings: [
      // Not linger.ms 0: that is the connector's default already (packages/connector-confluent/src/producer.ts).
      ["linger.ms: 5", "pipelined", { "linger.ms": 5 }],
      ["linger.ms: 5", "single", { "linger.ms": 5 }],
    ],
  },
];

/** The middle value; of an even count the mean of the middle two (of two rounds, not the better one). */
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
const started = Date.now();
const progress = (line: string): void => {
  const s = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`[bench ${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}] ${line}\n`);
};
/** A one-line live status (TTY only), overwritten by the next. */
const status = (line: string): void => {
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K  … ${line}`);
};
const clearStatus = (): void => {
  if (process.stdout.isTTY) process.stdout.write("\r\x1b[2K");
};

progress(`${quick ? "quick" : "full"} run: ${COUNTS.rounds} rounds after a warm-up; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
const kafka = kafkaFromEnv() ?? (await startKafka({ log: () => {} }));
const brokers = kafka.brokers;
const { Kafka, logLevel } = await import("kafkajs");
const adm = new Kafka({ brokers, clientId: "bench-admin", logLevel: logLevel.NOTHING }).admin();
await adm.connect();
let n = 0;
async function topic(partitions = 6): Promise<string> {
  const name = `bench-${Date.now().toString(36)}-${n++}`;
  await adm.createTopics({ topics: [{ topic: name, numPartitions: partitions }], waitForLeaders: false });
  // Wait for every partition's leader (kafkajs's own wait can throw a retriable error under load).
  for (let i = 0; i < 100; i++) {
    const meta = await adm.fetchTopicMetadata({ topics: [name] }).catch(() => undefined);
    const ps = meta?.topics[0]?.partitions ?? [];
    if (ps.length === partitions && ps.every((p) => p.leader >= 0)) return name;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`topic ${name}: no leaders after 10 s`);
}

async function produceOnce(scenario: string, p: RawProducer, t: string, count: number, bytes: number): Promise<number> {
  const msgs = messages(count, bytes);
  return scenario === "single" ? produceSingle(p, t, msgs) : scenario === "batch100" ? produceBatched(p, t, msgs) : producePipelined(p, t, msgs);
}

const countOf = (scenario: string): number => (scenario === "single" ? COUNTS.single : scenario === "pipelined" ? COUNTS.pipelined : COUNTS.bulk);

/** Runs one measurement in a process of its own (dist/child.js); resolves with what it printed. */
function inChild<T>(job: ChildJob, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(new URL("./child.js", import.meta.url))], {
      env: { ...process.env, QI_BENCH_JOB: JSON.stringify(job) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last) as T);
      else reject(new Error(`${job.kind} child for ${job.connector} ${signal === "SIGKILL" ? `killed after ${timeoutMs} ms` : `exited ${code ?? signal}`}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`));
    });
  });
}

/**
 * The consume topic: filled once by Kafka's ProducerPerformance (fast, and the same bytes for
 * every connector), read by a fresh group per round and side, and by ConsumerPerformance.
 */
let consumeTopic: string | undefined;
/** The exactly-once rows' input: keyed messages (their outputs go to the partition of their key), filled once. */
let eosTopic: string | undefined;
async function eosInput(): Promise<string> {
  if (eosTopic) return eosTopic;
  const t = await topic();
  status(`pre-filling ${t} with ${COUNTS.eos.toLocaleString("en")} keyed messages of 100 B`);
  await fillEosInput(brokers, t, COUNTS.eos);
  return (eosTopic = t);
}
async function prefilled(): Promise<string> {
  if (consumeTopic) return consumeTopic;
  const t = await topic();
  status(`pre-filling ${t} with ${COUNTS.consume.toLocaleString("en")} messages of 100 B (ProducerPerformance)`);
  producerPerformance(brokers, t, COUNTS.consume, 100);
  return (consumeTopic = t);
}

progress(`broker ${brokers.join(",")} (kafka ${kafka.version ?? "external"})`);
const runs: Run[] = [];
const skipped: Record<string, string> = {};
const settings: Setting[] = [];
const idempotence: Idempotence[] = [];
const floods: Flood[] = [];
const consumeMemory: ConsumeMemory[] = [];
const transactions: TxRun[] = [];
const latencyReport: Record<string, unknown> = {};
const consumeResources: Record<string, unknown> = {};
const report = (): BenchReport => ({
  machine: {
    cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    kafka: kafka.version ?? "external",
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    durationSec: Math.round((Date.now() - started) / 1000),
  },
  quick,
  counts: COUNTS,
  runs,
  ceiling,
  memory,
  latency: latencyReport,
  consumeResources,
  settings,
  skipped,
  idempotence,
  flood: floods,
  consumeMemory,
  transactions,
  concurrency: concurrencyRows,
  concurrencyMemory,
});
const concurrencyRows: ConcurrencyRun[] = [];
const concurrencyMemory: ConcurrencyMemory[] = [];
/** --io-rows=sequential,key N=32 runs only those consume-io rows (to profile one); ÷ ideal and × sequential need their rows. */
const IO_ROWS = ioRows(quick)
  .filter((r) => !flag("io-rows") || flag("io-rows")!.split(",").includes(r.label))
  // --max-held=N: every concurrent row with that maxHeldMessages (to see whether the bound holds a row back).
  .map((r) => (r.concurrency && flag("max-held") ? { ...r, concurrency: { ...r.concurrency, maxHeldMessages: Number(flag("max-held")) } } : r));
/** At most 3 rounds (a round of a connector's rows is about a minute), of --rounds. */
const ioRounds = Math.max(1, Math.min(COUNTS.rounds, 3));
/** Per connector: the load average (1, 5, 15 min) when its consume-io rows started and ended, and how long they took. */
const ioLoad = new Map<string, { start: number[]; end?: number[]; sec?: number; t0: number }>();
const load = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);
/**
 * Other work on the machine (brokers and test runs of others, on 2 cores) moves a timer-bound
 * row by 10 % or more: a connector's rows wait up to a minute for the 1-minute load to drop below
 * the core count, then run anyway (the load is recorded next to the rows).
 */
async function quieter(name: string): Promise<void> {
  for (let waited = 0; loadavg()[0]! >= cpus().length && waited < 60; waited += 5) {
    status(`${name} consume-io: load ${loadavg()[0]!.toFixed(2)}, waiting for it to drop (${waited} s)`);
    await new Promise((r) => setTimeout(r, 5_000));
  }
  ioLoad.set(name, { start: load(), t0: Date.now() });
}
function ioDone(name: string): void {
  const l = ioLoad.get(name);
  if (l) Object.assign(l, { end: load(), sec: Math.round((Date.now() - l.t0) / 1000) });
}
/** Kafka topics of the consume-io rows, one per size, filled once; their end offsets from the broker. */
const ioTopics = new Map<number, { topic: string; end: Map<number, number> }>();
async function ioTopic(count: number): Promise<{ topic: string; end: Map<number, number> }> {
  const have = ioTopics.get(count);
  if (have) return have;
  const t = await topic();
  status(`pre-filling ${t} with ${count.toLocaleString("en")} keyed messages of 100 B`);
  const sent = await fillKeyed(brokers, t, count);
  const got = { topic: t, end: await logEndOffsets(brokers, t) };
  checkFilled(t, sent, got.end);
  ioTopics.set(count, got);
  return got;
}
/** The consume-io rows of one connector: every row each round, then medians, ideals and speed-ups. */
async function ioScenario(name: string, run: (spec: IoRowSpec, timeoutMs: number) => Promise<IoStats>): Promise<void> {
  await quieter(name);
  const stats = new Map<string, IoStats[]>(IO_ROWS.map((r) => [r.label, []]));
  for (let round = 1; round <= ioRounds; round++) {
    for (const spec of IO_ROWS) {
      status(`${name} consume-io ${spec.label}, ${spec.messages.toLocaleString("en")} messages, round ${round}/${ioRounds}`);
      const ideal = uncappedIdeal(spec) ?? 1000 / Math.max(1, spec.ioMs);
      // Four times the ideal's time (a row that is not concurrent at all gives up and reports what it did).
      const timeoutMs = Math.min(quick ? 40_000 : 180_000, 20_000 + (spec.ioMs === 0 ? 60_000 : (4 * spec.messages * 1000) / ideal));
      try {
        stats.get(spec.label)!.push(await run(spec, timeoutMs));
      } catch (error) {
        progress(`${name} consume-io ${spec.label} round ${round} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  const rateOf = (label: string): number => median((stats.get(label) ?? []).map((s) => s.msgsPerSec));
  const empty = rateOf("empty handler");
  const sequential = rateOf("sequential");
  for (const spec of IO_ROWS) {
    const xs = stats.get(spec.label)!;
    if (xs.length === 0) continue;
    const rates = xs.map((s) => s.msgsPerSec);
    const r = median(rates);
    const u = uncappedIdeal(spec);
    const ideal = u === undefined ? undefined : Number.isFinite(empty) ? Math.min(u, empty) : u;
    const row: ConcurrencyRun = {
      connector: name,
      row: spec.label,
      messages: spec.messages,
      msgsPerSec: r,
      spread: spread(rates),
      rounds: rates,
      ...(ideal === undefined ? {} : { ideal, ofIdeal: r / ideal }),
      ...(spec.ioMs > 0 && spec.label !== "sequential" && Number.isFinite(sequential) ? { speedUp: r / sequential } : {}),
      peakInFlight: Math.max(...xs.map((s) => s.peakInFlight)),
      meanInFlight: median(xs.map((s) => s.meanInFlight)),
      meanWaitMs: median(xs.map((s) => s.meanWaitMs)),
      checks: xs.map(({ handled, distinct, expected, orderViolations, overlapViolations, complete }) => ({ handled, distinct, expected, orderViolations, overlapViolations, complete })),
    };
    concurrencyRows.push(row);
    clearStatus();
    progress(`${name} consume-io ${spec.label}: ${Math.round(r)} msg/s, in flight peak ${row.peakInFlight} mean ${row.meanInFlight?.toFixed(1)}, wait ${row.meanWaitMs?.toFixed(2)} ms${row.ofIdeal === undefined ? "" : `, ÷ ideal ${row.ofIdeal.toFixed(2)}`}${row.speedUp === undefined ? "" : `, × sequential ${row.speedUp.toFixed(1)}`}; checks ${JSON.stringify(row.checks)}`);
  }
}
const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const ceiling: Record<string, number> = {};
const memory: Record<string, number> = {};
try {
  for (const entry of ENTRIES) {
    if (only && !only.includes(entry.name)) continue;
    const name = entry.name;
    let connector: IStreamingConnector;
    try {
      entry.raw.check();
      connector = (await entry.load()).connector;
      // A client must be creatable (the connector loads its client library lazily).
      const probe = await wrappedProducer(connector, brokers, {});
      await probe.close();
    } catch (error) {
      skipped[name] = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      progress(`SKIP ${name}: ${skipped[name]}`);
      continue;
    }
    const opts = (scenario: string): Record<string, unknown> => entry.produceOptions?.(scenario) ?? {};

    for (const bytes of [100, 1024]) {
      for (const scenario of ["single", "batch100", "pipelined"] as const) {
        if (!scenarios.has(scenario)) continue;
        const rawRates: number[] = [];
        const ourRates: number[] = [];
        for (let round = 0; round <= COUNTS.rounds; round++) {
          if (scenario === "single") {
            // Both sides in the same moments: see produceSinglePaired.
            status(`${name} single ${bytes} B, round ${round === 0 ? "warm-up" : round}/${COUNTS.rounds}, raw and ours paired`);
            const t = await topic();
            const raw = await entry.raw.producer(brokers, opts(scenario));
            const ours = await wrappedProducer(connector, brokers, opts(scenario));
            const [r, w] = await produceSinglePaired(raw, ours, t, messages(countOf(scenario), bytes));
            await Promise.all([raw.close(), ours.close()]);
            if (round > 0) {
              rawRates.push(r);
              ourRates.push(w);
            }
            continue;
          }
          for (const side of round % 2 === 0 ? ["raw", "ours"] : ["ours", "raw"]) {
            status(`${name} ${scenario} ${bytes} B, round ${round === 0 ? "warm-up" : round}/${COUNTS.rounds}, ${side}`);
            const t = await topic();
            const p = side === "raw" ? await entry.raw.producer(brokers, opts(scenario)) : await wrappedProducer(connector, brokers, opts(scenario));
            const rate = await produceOnce(scenario, p, t, countOf(scenario), bytes);
            await p.close();
            if (round > 0) (side === "raw" ? rawRates : ourRates).push(rate); // round 0 is the warm-up
          }
        }
        const r = median(rawRates);
        const w = median(ourRates);
        runs.push({ connector: name, scenario, messageBytes: bytes, raw: { msgsPerSec: r, spread: spread(rawRates), rounds: rawRates }, wrapped: { msgsPerSec: w, spread: spread(ourRates), rounds: ourRates }, ratio: w / r, target: TARGETS[scenario] });
        clearStatus();
        progress(`${name} ${scenario} ${bytes} B: raw ${Math.round(r)} msg/s, qi ${Math.round(w)} msg/s, ratio ${(w / r).toFixed(2)}`);
      }
    }

    const consumeWith = async (make: () => RawConsumer): Promise<ConsumeStats> => consumeAll(make(), await prefilled(), COUNTS.consume, 600_000);

    if (scenarios.has("consume")) {
      // One pre-filled topic, read by a fresh group per round and side.
      const rawStats: ConsumeStats[] = [];
      const ourStats: ConsumeStats[] = [];
      for (let round = 0; round <= COUNTS.rounds; round++) {
        for (const side of round % 2 === 0 ? ["raw", "ours"] : ["ours", "raw"]) {
          status(`${name} consume ${COUNTS.consume.toLocaleString("en")}, round ${round === 0 ? "warm-up" : round}/${COUNTS.rounds}, ${side}`);
          const group = `bench-g-${Date.now().toString(36)}-${n++}`;
          const stats = await consumeWith(() => (side === "raw" ? entry.raw.consumer(brokers, group) : wrappedConsumer(connector, brokers, group)));
          if (round > 0) (side === "raw" ? rawStats : ourStats).push(stats);
        }
      }
      const rawRates = rawStats.map((s) => s.msgsPerSec);
      const ourRates = ourStats.map((s) => s.msgsPerSec);
      const r = median(rawRates);
      const w = median(ourRates);
      const resources = (xs: ConsumeStats[]): Record<string, number> => ({
        maxRssMb: Math.max(...xs.map((s) => s.maxRssMb)),
        rssGrowthMb: median(xs.map((s) => s.maxRssMb - s.startRssMb)),
        eventLoopP50Ms: median(xs.map((s) => s.eventLoopP50Ms)),
        eventLoopP99Ms: median(xs.map((s) => s.eventLoopP99Ms)),
        eventLoopMaxMs: Math.max(...xs.map((s) => s.eventLoopMaxMs)),
      });
      consumeResources[name] = { messages: COUNTS.consume, raw: resources(rawStats), wrapped: resources(ourStats) };
      runs.push({ connector: name, scenario: "consume", messageBytes: 100, raw: { msgsPerSec: r, spread: spread(rawRates), rounds: rawRates }, wrapped: { msgsPerSec: w, spread: spread(ourRates), rounds: ourRates }, ratio: w / r, target: TARGETS.consume });
      clearStatus();
      progress(`${name} consume: raw ${Math.round(r)} msg/s, qi ${Math.round(w)} msg/s, ratio ${(w / r).toFixed(2)}; resources ${JSON.stringify(consumeResources[name])}`);
    }

    if (scenarios.has("latency")) {
      // 100 msg/s, one partition, raw first then ours.
      status(`${name} latency, raw`);
      const lr = await latency(await entry.raw.producer(brokers, opts("single")), entry.raw.consumer(brokers, `bench-l-${n++}`), await topic(1), COUNTS.latency, 100);
      status(`${name} latency, qi-streaming`);
      const lw = await latency(await wrappedProducer(connector, brokers, opts("single")), wrappedConsumer(connector, brokers, `bench-l-${n++}`), await topic(1), COUNTS.latency, 100);
      latencyReport[name] = { raw: lr, wrapped: lw };
      clearStatus();
      progress(`${name} latency p50/p99 ms: raw ${lr.p50}/${lr.p99}, qi ${lw.p50}/${lw.p99}`);
    }

    if (scenarios.has("settings")) {
      // Our connector with its defaults against a recommended setting, interleaved.
      for (const [label, scenario, options] of entry.settings ?? []) {
        const def: number[] = [];
        const set: number[] = [];
        const rounds = Math.max(1, Math.min(COUNTS.rounds, 3));
        for (let round = 0; round <= rounds; round++) {
          for (const side of round % 2 === 0 ? ["default", "set"] : ["set", "default"]) {
            status(`${name} setting ${label} (${scenario}), round ${round === 0 ? "warm-up" : round}/${rounds}, ${side}`);
            const o = side === "set" ? options : {};
            let rate: number;
            if (scenario === "consume") {
              const group = `bench-s-${Date.now().toString(36)}-${n++}`;
              rate = (await consumeWith(() => wrappedConsumer(connector, brokers, group, o))).msgsPerSec;
            } else {
              const p = await wrappedProducer(connector, brokers, o);
              rate = await produceOnce(scenario, p, await topic(), countOf(scenario), 100);
              await p.close();
            }
            if (round > 0) (side === "set" ? set : def).push(rate);
          }
        }
        const s: Setting = { connector: name, setting: label, scenario, messageBytes: 100, defaults: { msgsPerSec: median(def), spread: spread(def) }, withSetting: { msgsPerSec: median(set), spread: spread(set) }, ratio: median(set) / median(def) };
        settings.push(s);
        clearStatus();
        progress(`${name} setting ${label} on ${scenario}: defaults ${Math.round(s.defaults.msgsPerSec)} msg/s, with it ${Math.round(s.withSetting.msgsPerSec)} msg/s (×${s.ratio.toFixed(2)})`);
      }
    }

    if (scenarios.has("idempotence")) {
      // The same scenario with idempotence on (the default) and off, interleaved; our side only.
      const rounds = Math.max(1, Math.min(COUNTS.rounds, 3));
      for (const scenario of ["batch100", "pipelined"] as const) {
        const on: number[] = [];
        const off: number[] = [];
        for (let round = 0; round <= rounds; round++) {
          for (const idempotent of round % 2 === 0 ? [true, false] : [false, true]) {
            status(`${name} idempotent: ${idempotent} (${scenario} 100 B), round ${round === 0 ? "warm-up" : round}/${rounds}`);
            const p = await wrappedProducer(connector, brokers, opts(scenario), { idempotent });
            const rate = await produceOnce(scenario, p, await topic(), countOf(scenario), 100);
            await p.close();
            if (round > 0) (idempotent ? on : off).push(rate);
          }
        }
        const row: Idempotence = { connector: name, scenario, messageBytes: 100, on: { msgsPerSec: median(on), spread: spread(on), rounds: on }, off: { msgsPerSec: median(off), spread: spread(off), rounds: off }, ratio: median(on) / median(off) };
        idempotence.push(row);
        clearStatus();
        progress(`${name} idempotence on ${scenario} 100 B: on ${Math.round(row.on.msgsPerSec)} msg/s, off ${Math.round(row.off.msgsPerSec)} msg/s (on ÷ off ${row.ratio.toFixed(2)})`);
      }
    }

    if (scenarios.has("flood")) {
      // COUNTS.flood sends not awaited, then Promise.all, in a process of its own; the log counted by GetOffsetShell.
      const row: Flood = { connector: name, sends: COUNTS.flood, messageBytes: 100, rounds: [] };
      for (let round = 1; round <= COUNTS.processRounds; round++) {
        status(`${name} flood of ${COUNTS.flood.toLocaleString("en")} sends, round ${round}/${COUNTS.processRounds} (own process)`);
        const t = await topic();
        try {
          const r = await inChild<FloodResult>({ kind: "flood", connector: name, side: "qi", brokers, topic: t, count: COUNTS.flood, bytes: 100 }, 300_000);
          row.rounds.push({ ...r, inLog: await logRecordCount(brokers, t) });
        } catch (error) {
          progress(`${name} flood round ${round} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      floods.push(row);
      clearStatus();
      progress(`${name} flood of ${COUNTS.flood}: ${JSON.stringify(row.rounds)}`);
    }

    if (scenarios.has("consume-memory")) {
      // The pre-filled topic read by one consumer in a process of its own, raw and ours alternating.
      const rows = { raw: { connector: name, side: "raw", messages: COUNTS.consume, rounds: [] }, qi: { connector: name, side: "qi-streaming", messages: COUNTS.consume, rounds: [] } } satisfies Record<string, ConsumeMemory>;
      const t = await prefilled();
      for (let round = 1; round <= COUNTS.processRounds; round++) {
        for (const side of round % 2 === 1 ? (["raw", "qi"] as const) : (["qi", "raw"] as const)) {
          status(`${name} consume ${COUNTS.consume.toLocaleString("en")} in a process of its own, ${side}, round ${round}/${COUNTS.processRounds}`);
          try {
            const r = await inChild<ConsumeResult>({ kind: "consume", connector: name, side, brokers, topic: t, count: COUNTS.consume, groupId: `bench-m-${Date.now().toString(36)}-${n++}` }, 660_000);
            (rows[side].rounds as ConsumeResult[]).push(r);
          } catch (error) {
            progress(`${name} consume-memory ${side} round ${round} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
      consumeMemory.push(rows.raw, rows.qi);
      clearStatus();
      progress(`${name} consume in its own process: raw ${JSON.stringify(rows.raw.rounds)}, qi ${JSON.stringify(rows.qi.rounds)}`);
    }

    if (scenarios.has("consume-io")) {
      await ioScenario(name, async (spec, timeoutMs) => {
        const { topic: t, end } = await ioTopic(spec.messages);
        return consumeIo(connector, brokers, {}, `bench-io-${Date.now().toString(36)}-${n++}`, t, end, spec, timeoutMs);
      });
      if (!args.includes("--no-memory-rss")) {
        const row: ConcurrencyMemory = { connector: name, concurrency: MEMORY_ROW, messages: IO_ROWS.at(-1)!.messages, rounds: [] };
        const { topic: t, end } = await ioTopic(row.messages);
        for (let round = 1; round <= COUNTS.processRounds; round++) {
          status(`${name} consume-io key N=128 in a process of its own, round ${round}/${COUNTS.processRounds}`);
          try {
            row.rounds.push(await inChild<ConsumeIoResult>({ kind: "consume-io", connector: name, side: "qi", brokers, topic: t, count: row.messages, groupId: `bench-iom-${Date.now().toString(36)}-${n++}`, endOffsets: [...end] }, 600_000));
          } catch (error) {
            progress(`${name} consume-io memory round ${round} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        concurrencyMemory.push(row);
        clearStatus();
        progress(`${name} consume-io key N=128 (maxHeldMessages ${MEMORY_ROW.maxHeldMessages}) in its own process: ${JSON.stringify(row.rounds)}`);
      }
      ioDone(name);
    }

    if (scenarios.has("tx-produce") || scenarios.has("eos")) {
      // Ours against the raw client's own transactions; a connector without them gets an error row.
      const bench: TxBench = { name, connector, raw: RAW_TRANSACTIONS[name], brokers, rounds: COUNTS.rounds, options: entry.txOptions ?? {}, topic, unique: (p) => `${p}-${Date.now().toString(36)}-${n++}`, admin: adm, status };
      const rows: TxRun[] = [];
      if (scenarios.has("tx-produce")) rows.push(await txProduceRow(bench, COUNTS.transactions));
      if (scenarios.has("eos")) {
        const input = await eosInput().then((t) => ({ t }), (e: unknown) => ({ e }));
        if ("t" in input) rows.push(await eosRow(bench, input.t, COUNTS.eos));
        else rows.push({ connector: name, scenario: "eos", messageBytes: 100, messagesPerRound: COUNTS.eos, perTransaction: EOS_SLICE, target: TX_TARGET, error: `filling the input: ${input.e instanceof Error ? input.e.message : String(input.e)}` });
      }
      for (const row of rows) {
        transactions.push(row);
        clearStatus();
        const rate = (x: TxRun["raw"]): string => (x ? `${Math.round(x.msgsPerSec)} msg/s (${x.txPerSec.toFixed(1)} tx/s)` : "n/a");
        progress(`${name} ${row.scenario}: raw ${rate(row.raw)}, qi ${rate(row.wrapped)}, ratio ${row.ratio?.toFixed(2) ?? "n/a"}; read back ${JSON.stringify(row.readBack)}${row.error ? `; error: ${row.error}` : ""}`);
      }
    }
  }

  if (scenarios.has("consume-io") && (!only || only.includes("memory"))) {
    // The memory connector's consume-io rows: a cluster of its own per topic size, end offsets from its admin.
    const memTopics = new Map<number, { cluster: string; end: Map<number, number> }>();
    await ioScenario("memory", async (spec, timeoutMs) => {
      let m = memTopics.get(spec.messages);
      if (!m) {
        const cluster = `bench-io-${n++}`;
        m = { cluster, end: await fillKeyedMemory(memoryConnector, cluster, "io", spec.messages) };
        memTopics.set(spec.messages, m);
      }
      return consumeIo(memoryConnector, [], { cluster: m.cluster }, `g-io-${n++}`, "io", m.end, spec, timeoutMs);
    });
    ioDone("memory");
  }

  if (!args.includes("--no-memory")) {
    // The memory connector on its own (what users put in unit tests).
    for (const scenario of ["single", "batch100", "pipelined"] as const) {
      const rates: number[] = [];
      for (let round = 0; round <= COUNTS.rounds; round++) {
        const p = await wrappedProducer(memoryConnector, [], { cluster: `bench-${n++}`, autoCreateTopics: true });
        const rate = await produceOnce(scenario, p, `mem-${scenario}`, COUNTS.bulk, 100);
        await p.close();
        if (round > 0) rates.push(rate);
      }
      memory[`memory ${scenario} 100 B`] = median(rates);
    }
    const rates: number[] = [];
    for (let round = 0; round <= COUNTS.rounds; round++) {
      const options = { cluster: `bench-${n++}`, autoCreateTopics: true };
      const p = await wrappedProducer(memoryConnector, [], options);
      for (let i = 0; i < COUNTS.bulk * 4; i += 10_000) await p.send("mem-consume", messages(10_000, 100, i));
      const stats = await consumeAll(wrappedConsumer(memoryConnector, [], `g-${n++}`, options), "mem-consume", COUNTS.bulk * 4, 120_000);
      await p.close();
      if (round > 0) rates.push(stats.msgsPerSec);
    }
    memory["memory consume 100 B"] = median(rates);
    progress(`memory: ${Object.entries(memory).map(([k, v]) => `${k} ${Math.round(v)} msg/s`).join("; ")}`);
  }

  if (!args.includes("--no-ceiling")) {
    // The ceiling: Kafka's own tools, same broker, same sizes, acks all.
    for (const bytes of [100, 1024]) {
      status(`ProducerPerformance ${bytes} B`);
      ceiling[`ProducerPerformance ${bytes} B, acks all`] = producerPerformance(brokers, await topic(), COUNTS.bulk * 4, bytes);
    }
    const ct = await prefilled();
    status("ConsumerPerformance 100 B");
    ceiling["ConsumerPerformance 100 B"] = consumerPerformance(brokers, ct, COUNTS.consume);
    clearStatus();
    progress(`ceiling: ${JSON.stringify(ceiling)}`);
  }

  const missed = runs.filter((r) => r.target !== undefined && r.ratio < r.target);
  for (const m of missed) progress(`below target: ${m.connector} ${m.scenario} ${m.messageBytes} B ratio ${m.ratio.toFixed(2)} < ${m.target}`);
  for (const t of transactions) if (t.ratio !== undefined && t.ratio < t.target) progress(`below target: ${t.connector} ${t.scenario} ratio ${t.ratio.toFixed(2)} < ${t.target}`);
  if (args.includes("--merge")) {
    // A partial run's consume-io rows into the committed report, docs rewritten: the rows of the
    // connectors this run measured replace theirs, every other row is kept (so one connector can
    // be measured again alone), each connector's rows with the machine block of the run they came from.
    const { concurrencyMachine: _oneRun, ...committed } = JSON.parse(readFileSync(join(root, "reports", "bench.json"), "utf8")) as BenchReport & { concurrencyMachine?: unknown };
    const mine = report();
    const measured = new Set([...concurrencyRows, ...concurrencyMemory].map((r) => r.connector));
    const machine = { ...Object.fromEntries(Object.entries(mine.machine).filter(([k]) => !["loadAverageAtStart", "loadAverageAtEnd", "durationSec"].includes(k))), date: new Date().toISOString().slice(0, 16), quick, rounds: ioRounds };
    // Each connector's rows with the load average of their own stretch of the run.
    const machineOf = (k: string): Record<string, unknown> => {
      const l = ioLoad.get(k);
      return { ...machine, ...(l ? { loadAverageAtStart: l.start, loadAverageAtEnd: l.end ?? load(), durationSec: l.sec ?? 0 } : {}) };
    };
    const order = (r: { connector: string }): number => ["kafkajs", "confluent", "platformatic", "memory"].indexOf(r.connector);
    const keep = <T extends { connector: string }>(old: T[] | undefined, mineRows: T[]): T[] => [...(old ?? []).filter((r) => !measured.has(r.connector)), ...mineRows].sort((a, b) => order(a) - order(b));
    writeReport(root, {
      ...committed,
      concurrency: keep(committed.concurrency, concurrencyRows),
      concurrencyMemory: keep(committed.concurrencyMemory, concurrencyMemory),
      concurrencyRuns: { ...Object.fromEntries(Object.entries(committed.concurrencyRuns ?? {}).filter(([k]) => !measured.has(k))), ...Object.fromEntries([...measured].map((k) => [k, machineOf(k)])) },
    });
    progress("merged the consume-io rows into reports/bench.json, docs/benchmarks.md, docs/benchmarks.svg");
  } else if (args.includes("--no-write") || only || flag("scenarios")) {
    progress("partial run: report not written");
    process.stdout.write(JSON.stringify(report(), null, 2) + "\n");
  } else {
    writeReport(root, report());
    progress(`wrote ${join("reports", "bench.json")}, docs/benchmarks.md, docs/benchmarks.svg`);
  }
} finally {
  await adm.disconnect();
  await kafka.stop();
}
// Raw clients in the latency runs keep sockets and timers after close (platformatic's stream,
// librdkafka's threads); a benchmark is a command, so it ends here.
process.exit(0);
