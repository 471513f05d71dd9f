/** Writes reports/bench.json, docs/benchmarks.md and its SVG chart. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IO_MS, KEY32_IDEAL_TARGET, KEY32_SPEEDUP_TARGET, MEMORY_ROW } from "./concurrency.js";

const MEMORY_LIMIT = MEMORY_ROW.limit;

export interface Run {
  connector: string;
  scenario: string;
  messageBytes: number;
  raw: { msgsPerSec: number; spread?: [number, number]; rounds?: number[] };
  wrapped: { msgsPerSec: number; spread?: [number, number]; rounds?: number[] };
  ratio: number;
  target?: number;
}

/** Our connector with its defaults against one recommended setting. */
export interface Setting {
  connector: string;
  setting: string;
  scenario: string;
  messageBytes: number;
  defaults: { msgsPerSec: number; spread: [number, number] };
  withSetting: { msgsPerSec: number; spread: [number, number] };
  ratio: number;
}

/** qi-streaming with `idempotent: true` against `idempotent: false`, same scenario, interleaved. */
export interface Idempotence {
  connector: string;
  scenario: string;
  messageBytes: number;
  on: { msgsPerSec: number; spread: [number, number]; rounds: number[] };
  off: { msgsPerSec: number; spread: [number, number]; rounds: number[] };
  /** on ÷ off */
  ratio: number;
}

/** `sends` calls of `send()` not awaited, then Promise.all, each round in a process of its own. */
export interface Flood {
  connector: string;
  sends: number;
  messageBytes: number;
  rounds: { ms: number; ok: number; errors: Record<string, number>; inLog: number; maxRssMb: number }[];
}

/** A consumer reading `messages` of a pre-filled topic, each round in a process of its own. */
export interface ConsumeMemory {
  connector: string;
  side: "raw" | "qi-streaming";
  messages: number;
  rounds: { msgsPerSec: number; maxRssMb: number }[];
}

/** One side of a transaction row: the median of rounds (msg/s and transactions/s), every round's msg/s. */
export interface TxSideResult {
  msgsPerSec: number;
  txPerSec: number;
  spread: [number, number];
  rounds: number[];
}

/**
 * A transaction row: `tx-produce` (transactions of `perTransaction` messages, one after another)
 * or `eos` (consume-transform-produce, at most `perTransaction` inputs per transaction), ours
 * against the raw client's own transactions. `error` instead of figures when a side could not
 * run (a connector without transactions, a driver that failed).
 */
export interface TxRun {
  connector: string;
  scenario: "tx-produce" | "eos";
  messageBytes: number;
  messagesPerRound: number;
  perTransaction: number;
  raw?: TxSideResult;
  wrapped?: TxSideResult;
  ratio?: number;
  target: number;
  /** What a read_committed consumer read of the last round's output, per side. */
  readBack?: { expected: number; raw?: number; wrapped?: number };
  error?: string;
}

/** A consume-io row (consumer concurrency, a 5 ms I/O handler): the median of rounds. */
export interface ConcurrencyRun {
  connector: string;
  row: string;
  messages: number;
  msgsPerSec: number;
  spread: [number, number];
  rounds: number[];
  /** N ÷ 5 ms (per key) or min(6, N) ÷ 5 ms (per partition), capped by the empty-handler row of the same connector and run. */
  ideal?: number;
  ofIdeal?: number;
  /** msg/s ÷ the sequential row's. */
  speedUp?: number;
  peakInFlight: number;
  /** Handlers running at once on average, and the mean time a handler's wait took (medians of rounds; absent in older reports). */
  meanInFlight?: number;
  meanWaitMs?: number;
  /** Every round: handled / distinct / expected (end offsets), order and same-key-at-once violations, complete. */
  checks: { handled: number; distinct: number; expected: number; orderViolations: number; overlapViolations: number; complete: boolean }[];
}

/** The per-key N = 128 row in a process of its own, with its maxHeldMessages bound. */
export interface ConcurrencyMemory {
  connector: string;
  concurrency: { by: string; limit: number; maxHeldMessages: number };
  messages: number;
  rounds: { msgsPerSec: number; maxRssMb: number; distinct: number; expected: number; complete: boolean }[];
}

export interface BenchReport {
  machine: Record<string, unknown>;
  quick: boolean;
  runs: Run[];
  ceiling: Record<string, number>;
  memory: Record<string, number>;
  latency: Record<string, unknown>;
  counts: Record<string, number>;
  consumeResources: Record<string, unknown>;
  settings: Setting[];
  skipped: Record<string, string>;
  /** Absent in reports written before these rows existed. */
  idempotence?: Idempotence[];
  flood?: Flood[];
  consumeMemory?: ConsumeMemory[];
  transactions?: TxRun[];
  concurrency?: ConcurrencyRun[];
  concurrencyMemory?: ConcurrencyMemory[];
  /** Per connector, when its concurrency rows came from a run of their own (merged with --merge): that run's machine block. */
  concurrencyRuns?: Record<string, Record<string, unknown>>;
}

/** Targets of the producer and consumer memory rows (issue 24). */
export const PIPELINED_TO_BATCH_TARGET = 0.8;
export const FLOOD_PEAK_RSS_MB = 500;
export const CONSUME_PEAK_RSS_MB = 250;

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "n/a");
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Per-round ratios (round i of raw against round i of ours), for the whiskers. */
function roundRatios(r: Run): number[] {
  const a = r.raw.rounds ?? [];
  const b = r.wrapped.rounds ?? [];
  return a.map((x, i) => (b[i] ?? NaN) / x).filter(Number.isFinite);
}

/** A horizontal bar per run: the median ratio, the per-round range, the target tick and 1.00. */
function svg(runs: Run[]): string {
  const rowH = 22;
  const w = 820;
  const left = 300;
  const max = 1.6;
  const scale = (w - left - 70) / max;
  const x = (v: number): number => left + Math.min(max, Math.max(0, v)) * scale;
  const rows = runs.map((r, i) => {
    const y = 40 + i * rowH;
    const miss = r.target !== undefined && r.ratio < r.target;
    const rr = roundRatios(r);
    const whisker = rr.length > 1 ? `<line x1="${x(Math.min(...rr)).toFixed(1)}" y1="${y + 10}" x2="${x(Math.max(...rr)).toFixed(1)}" y2="${y + 10}" stroke="#222" stroke-width="1.2"/>` : "";
    const target = r.target === undefined ? "" : `<line x1="${x(r.target).toFixed(1)}" y1="${y + 2}" x2="${x(r.target).toFixed(1)}" y2="${y + 18}" stroke="#e69f00" stroke-width="2"/>`;
    const sep = i > 0 && runs[i - 1]!.connector !== r.connector ? `<line x1="10" y1="${y - 1}" x2="${w - 10}" y2="${y - 1}" stroke="#ccc"/>` : "";
    return `${sep}<text x="${left - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(`${r.connector} · ${r.scenario} · ${r.messageBytes} B`)}</text><rect x="${left}" y="${y + 4}" width="${(x(r.ratio) - left).toFixed(1)}" height="12" fill="${miss ? "#d9534f" : "#5b8def"}"/>${whisker}${target}<text x="${(x(r.ratio) + 6).toFixed(1)}" y="${y + 14}" font-size="11">${r.ratio.toFixed(2)}${r.ratio > max ? " →" : ""}</text>`;
  });
  const h = 56 + runs.length * rowH;
  const ticks = [0, 0.5, 1, 1.5].map((v) => `<line x1="${x(v)}" y1="34" x2="${x(v)}" y2="${h - 14}" stroke="${v === 1 ? "#333" : "#ddd"}" ${v === 1 ? 'stroke-dasharray="4 3"' : ""}/><text x="${x(v)}" y="${h - 2}" text-anchor="middle" font-size="10">${v.toFixed(1)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/><text x="10" y="18" font-size="13" font-weight="bold">qi-streaming ÷ raw client, throughput (median of rounds)</text><text x="10" y="31" font-size="11">bar = median ratio (red: below target) · black line = range of per-round ratios · orange tick = target · dashed = 1.00</text>${ticks.join("")}${rows.join("")}</svg>\n`;
}

/** A connector's place in the report (the order its rows were measured in). */
function connectorOrder(report: BenchReport, connector: string): number {
  const names = [...new Set([...report.runs, ...(report.transactions ?? []), ...(report.concurrency ?? [])].map((r) => r.connector))];
  return names.indexOf(connector);
}

function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function writeReport(root: string, report: BenchReport): void {
  mkdirSync(join(root, "reports"), { recursive: true });
  writeFileSync(join(root, "reports", "bench.json"), JSON.stringify(report, null, 2) + "\n");
  const txRuns: Run[] = (report.transactions ?? []).flatMap((t) => (t.raw && t.wrapped && t.ratio !== undefined ? [{ connector: t.connector, scenario: t.scenario, messageBytes: t.messageBytes, raw: t.raw, wrapped: t.wrapped, ratio: t.ratio, target: t.target }] : []));
  // Concurrency rows: measured ÷ ideal (the "raw" side of the bar is the ideal).
  const ioRuns: Run[] = (report.concurrency ?? []).flatMap((r) =>
    r.ideal !== undefined && r.ofIdeal !== undefined ? [{ connector: r.connector, scenario: `consume-io ${r.row} ÷ ideal`, messageBytes: 100, raw: { msgsPerSec: r.ideal, rounds: r.rounds.map(() => r.ideal!) }, wrapped: { msgsPerSec: r.msgsPerSec, rounds: r.rounds }, ratio: r.ofIdeal, ...(r.row === "key N=32" ? { target: KEY32_IDEAL_TARGET } : {}) }] : [],
  );
  // Each connector's transaction rows after its other rows.
  const charted = [...report.runs, ...txRuns, ...ioRuns].map((r, i) => ({ r, i })).sort((a, b) => connectorOrder(report, a.r.connector) - connectorOrder(report, b.r.connector) || a.i - b.i).map(({ r }) => r);
  writeFileSync(join(root, "docs", "benchmarks.svg"), svg(charted));
  const findings = join(root, "bench", "FINDINGS.md");
  const c = report.counts;
  const throughput = table(
    ["connector", "scenario", "bytes", "raw msg/s (min–max)", "qi-streaming msg/s (min–max)", "ratio", "target"],
    report.runs.map((r) => [
      r.connector,
      r.scenario,
      String(r.messageBytes),
      `${fmt(r.raw.msgsPerSec)} (${fmt(r.raw.spread?.[0] ?? NaN)}–${fmt(r.raw.spread?.[1] ?? NaN)})`,
      `${fmt(r.wrapped.msgsPerSec)} (${fmt(r.wrapped.spread?.[0] ?? NaN)}–${fmt(r.wrapped.spread?.[1] ?? NaN)})`,
      `**${r.ratio.toFixed(2)}**`,
      r.target === undefined ? "" : r.ratio >= r.target ? `≥ ${r.target} ✓` : `≥ ${r.target} ✗`,
    ]),
  );
  type Res = { maxRssMb: number; rssGrowthMb: number; eventLoopP50Ms: number; eventLoopP99Ms: number; eventLoopMaxMs: number };
  const resources = table(
    ["connector", "side", "peak RSS MB", "RSS growth MB (median)", "event-loop delay p50 / p99 / max ms"],
    Object.entries(report.consumeResources).flatMap(([k, v]) => {
      const r = v as { raw: Res; wrapped: Res };
      return (["raw", "wrapped"] as const).map((side) => [k, side === "raw" ? "raw" : "qi-streaming", String(r[side].maxRssMb), String(r[side].rssGrowthMb), `${r[side].eventLoopP50Ms} / ${r[side].eventLoopP99Ms} / ${r[side].eventLoopMaxMs}`]);
    }),
  );
  const latency = table(
    ["connector", "raw p50 / p99 ms", "qi-streaming p50 / p99 ms"],
    Object.entries(report.latency).map(([k, v]) => {
      const l = v as { raw: { p50: number; p99: number }; wrapped: { p50: number; p99: number } };
      return [k, `${l.raw.p50} / ${l.raw.p99}`, `${l.wrapped.p50} / ${l.wrapped.p99}`];
    }),
  );
  const settings = table(
    ["connector", "setting", "scenario", "defaults msg/s", "with the setting msg/s", "×"],
    report.settings.map((s) => [s.connector, `\`${s.setting}\``, `${s.scenario} ${s.messageBytes} B`, fmt(s.defaults.msgsPerSec), fmt(s.withSetting.msgsPerSec), s.ratio.toFixed(2)]),
  );
  const rate = (r: Run | undefined, side: "raw" | "wrapped"): number => r?.[side].msgsPerSec ?? NaN;
  const pipelinedToBatch = table(
    ["connector", "bytes", "qi-streaming pipelined msg/s", "qi-streaming batch100 msg/s", "pipelined ÷ batch100", "target", "raw pipelined ÷ batch100"],
    [...new Set(report.runs.map((r) => `${r.connector}|${r.messageBytes}`))].flatMap((key) => {
      const [connector, bytes] = key.split("|") as [string, string];
      const find = (scenario: string): Run | undefined => report.runs.find((r) => r.connector === connector && r.messageBytes === Number(bytes) && r.scenario === scenario);
      const pipelined = find("pipelined");
      const batch = find("batch100");
      if (!pipelined || !batch) return [];
      const ratio = rate(pipelined, "wrapped") / rate(batch, "wrapped");
      return [[connector, bytes, fmt(rate(pipelined, "wrapped")), fmt(rate(batch, "wrapped")), `**${ratio.toFixed(2)}**`, ratio >= PIPELINED_TO_BATCH_TARGET ? `≥ ${PIPELINED_TO_BATCH_TARGET} ✓` : `≥ ${PIPELINED_TO_BATCH_TARGET} ✗`, (rate(pipelined, "raw") / rate(batch, "raw")).toFixed(2)]];
    }),
  );
  const idempotence = table(
    ["connector", "scenario", "`idempotent: true` msg/s (min–max)", "`idempotent: false` msg/s (min–max)", "on ÷ off"],
    (report.idempotence ?? []).map((r) => [r.connector, `${r.scenario} ${r.messageBytes} B`, `${fmt(r.on.msgsPerSec)} (${fmt(r.on.spread[0])}–${fmt(r.on.spread[1])})`, `${fmt(r.off.msgsPerSec)} (${fmt(r.off.spread[0])}–${fmt(r.off.spread[1])})`, r.ratio.toFixed(2)]),
  );
  const range = (xs: number[], f: (n: number) => string = fmt): string => (xs.length === 0 ? "n/a" : Math.min(...xs) === Math.max(...xs) ? f(xs[0]!) : `${f(Math.min(...xs))}–${f(Math.max(...xs))}`);
  const flood = table(
    ["connector", "time s", "ok", "errors", "records in the log", "peak RSS MB", "target"],
    (report.flood ?? []).map((f) => {
      const errors = f.rounds.flatMap((r) => Object.entries(r.errors).map(([code, n]) => `${code} ${fmt(n)}`));
      const met = f.rounds.every((r) => r.ok === f.sends && r.inLog === f.sends && r.maxRssMb < FLOOD_PEAK_RSS_MB);
      return [
        f.connector,
        range(f.rounds.map((r) => r.ms / 1000), (n) => n.toFixed(1)),
        range(f.rounds.map((r) => r.ok)),
        errors.length === 0 ? "none" : errors.join(", "),
        range(f.rounds.map((r) => r.inLog)),
        range(f.rounds.map((r) => r.maxRssMb)),
        `all ok, ${fmt(f.sends)} in the log, < ${FLOOD_PEAK_RSS_MB} MB ${met ? "✓" : "✗"}`,
      ];
    }),
  );
  const consumeMemory = table(
    ["connector", "side", "msg/s", "peak RSS MB", "target"],
    (report.consumeMemory ?? []).map((m) => {
      const peaks = m.rounds.map((r) => r.maxRssMb);
      return [m.connector, m.side, range(m.rounds.map((r) => r.msgsPerSec)), range(peaks), m.side === "raw" ? "" : `< ${CONSUME_PEAK_RSS_MB} MB ${Math.max(...peaks) < CONSUME_PEAK_RSS_MB ? "✓" : "✗"}`];
    }),
  );
  const txSide = (x: TxSideResult | undefined): string => (x ? `${fmt(x.msgsPerSec)} (${fmt(x.spread[0])}–${fmt(x.spread[1])}) · ${x.txPerSec.toFixed(1)} tx/s` : "");
  const readBack = (t: TxRun): string => {
    const rb = t.readBack;
    if (!rb) return "";
    const mark = (n: number | undefined): string => (n === undefined ? "n/a" : `${fmt(n)} ${n === rb.expected ? "✓" : "✗"}`);
    return `raw ${mark(rb.raw)} · qi ${mark(rb.wrapped)}`;
  };
  const transactions = table(
    ["connector", "scenario", "raw msg/s (min–max) · tx/s", "qi-streaming msg/s (min–max) · tx/s", "ratio", "target", "read back, read_committed (last round)"],
    (report.transactions ?? []).map((t) => [
      t.connector,
      t.scenario,
      txSide(t.raw) || "—",
      txSide(t.wrapped) || "—",
      t.ratio === undefined ? "n/a" : `**${t.ratio.toFixed(2)}**`,
      t.ratio === undefined ? `≥ ${t.target}` : t.ratio >= t.target ? `≥ ${t.target} ✓` : `≥ ${t.target} ✗`,
      readBack(t),
    ]),
  );
  const txErrors = (report.transactions ?? []).filter((t) => t.error).map((t) => `- ${t.connector} ${t.scenario}: ${t.error}`);
  const txProduce = report.transactions?.find((t) => t.scenario === "tx-produce");
  const eos = report.transactions?.find((t) => t.scenario === "eos");
  const io = report.concurrency ?? [];
  const ioTable = table(
    ["connector", "row", "messages", "msg/s (min–max)", "in flight: peak · mean", "wait ms", "ideal msg/s", "÷ ideal", "× sequential", "target", "handled · distinct / end offsets · order"],
    io.map((r) => {
      const key32 = r.row === "key N=32";
      const met = key32 && r.ofIdeal !== undefined && r.speedUp !== undefined ? r.ofIdeal >= KEY32_IDEAL_TARGET && r.speedUp >= KEY32_SPEEDUP_TARGET : undefined;
      const ok = r.checks.every((k) => k.complete && k.expected === r.messages && k.distinct === k.expected && k.handled === k.expected && k.orderViolations === 0 && k.overlapViolations === 0);
      const k = r.checks[r.checks.length - 1];
      return [
        r.connector,
        r.row,
        fmt(r.messages),
        `${fmt(r.msgsPerSec)} (${fmt(r.spread[0])}–${fmt(r.spread[1])})`,
        `${r.peakInFlight}${r.meanInFlight === undefined ? "" : ` · ${r.meanInFlight.toFixed(1)}`}`,
        r.meanWaitMs === undefined || r.row === "empty handler" ? "—" : r.meanWaitMs.toFixed(2),
        r.ideal === undefined ? "—" : fmt(r.ideal),
        r.ofIdeal === undefined ? "—" : `**${r.ofIdeal.toFixed(2)}**`,
        r.speedUp === undefined ? "—" : `${r.speedUp.toFixed(1)}×`,
        met === undefined ? "" : `≥ ${KEY32_IDEAL_TARGET} of ideal, ≥ ${KEY32_SPEEDUP_TARGET}× ${met ? "✓" : "✗"}`,
        k ? `${fmt(k.handled)} · ${fmt(k.distinct)} / ${fmt(k.expected)} · ${k.orderViolations + k.overlapViolations === 0 ? "kept" : `${k.orderViolations + k.overlapViolations} violations`} ${ok ? "✓" : "✗"}${k.complete ? "" : " (timed out)"}` : "",
      ];
    }),
  );
  const ioMemory = table(
    ["connector", "concurrency", "messages", "msg/s", "peak RSS MB", "distinct / end offsets"],
    (report.concurrencyMemory ?? []).map((m) => [
      m.connector,
      `by ${m.concurrency.by}, limit ${m.concurrency.limit}, maxHeldMessages ${m.concurrency.maxHeldMessages}`,
      fmt(m.messages),
      range(m.rounds.map((r) => r.msgsPerSec)),
      range(m.rounds.map((r) => r.maxRssMb)),
      m.rounds.map((r) => `${fmt(r.distinct)} / ${fmt(r.expected)} ${r.complete && r.expected === m.messages && r.distinct === r.expected ? "✓" : "✗"}${r.complete ? "" : " (timed out)"}`).join(", "),
    ]),
  );
  const ioSources = Object.entries(report.concurrencyRuns ?? {});
  const machineLine = (m: Record<string, unknown>): string => Object.entries(m).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(" / ") : String(v)}`).join("; ");
  const floodSends = report.flood?.[0]?.sends;
  const consumed = report.consumeMemory?.[0]?.messages;
  const md = `# Benchmarks

What qi-streaming costs over each raw client, measured by \`pnpm bench\` in **one run against one
broker** (the testkit's Apache Kafka ${String(report.machine.kafka)}, a single KRaft node on loopback), with Kafka's own
\`ProducerPerformance\` and \`ConsumerPerformance\` on the same broker as the ceiling. The raw figures
are in \`reports/bench.json\`; \`pnpm bench --quick\` is a short smoke run of the same code.
${report.quick ? "\n> **These figures come from a `--quick` run** (small counts, one round): read the ratios, not the absolute numbers.\n" : ""}
Machine: ${Object.entries(report.machine).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(" / ") : String(v)}`).join("; ")}.
${Object.keys(report.skipped).length > 0 ? `\nSkipped: ${Object.entries(report.skipped).map(([k, v]) => `${k} (${v})`).join("; ")}.\n` : ""}
![qi-streaming ÷ raw client](benchmarks.svg)
${existsSync(findings) ? "\n" + readFileSync(findings, "utf8") : ""}
## Throughput: qi-streaming ÷ raw client

Median of ${c.rounds} rounds after a warm-up round; raw and qi-streaming interleaved, alternating which goes
first, a fresh topic (6 partitions) and group each time; acks all. Counts: ${fmt(c.single ?? NaN)} awaited
sends, ${fmt(c.bulk ?? NaN)} messages per batched round, ${fmt(c.pipelined ?? NaN)} per pipelined round, ${fmt(c.consume ?? NaN)} messages consumed per round.

${throughput}

## Transactions: qi-streaming ÷ the raw client's own transactions

Two scenarios, the median of ${c.rounds} rounds after a warm-up round, 100 B messages with 1,000 distinct keys on 6-partition
topics, a fresh topic, transactional id and group each round and side. Each raw client is given the partition our router
picks (Java's murmur2) and the settings our connector gives its transactional producer and consumer: kafkajs idempotent,
\`maxInFlightRequests: 1\`, \`transactionTimeout\` 60 s, a send's first retry after 20 ms (then doubling, 9 retries);
confluent \`linger.ms\` 0, idempotent, acks all, the KafkaJS layer's 300 ms back-off; platformatic idempotent, 5 retries from
300 ms doubling (its own default is 1 s flat); consumers \`read_committed\`, a fetch wait of 500 ms, confluent batches of 500.

- *tx-produce*: ${txProduce ? `${fmt(txProduce.messagesPerRound / txProduce.perTransaction)} transactions of ${txProduce.perTransaction} messages` : "transactions of 100 messages"} per round, committed one after another
  (qi-streaming: \`producer.transaction()\`, one \`sendBatch\` of the 100, \`commit()\`; kafkajs: \`producer.transaction()\`,
  \`tx.send\`, \`tx.commit()\`; confluent: \`producer.transaction()\`, \`send\`, \`commit()\`; platformatic:
  \`producer.beginTransaction()\`, \`tx.send\`, \`tx.commit()\`). Measured paired, as *single* is: both producers connected
  at once, each on its own topic, taking turns in blocks of 5 transactions (which side goes first alternating); each side's
  rate is its messages over the time of its own blocks.
- *eos*: raw and qi-streaming one after the other, alternating which goes first; consume-transform-produce over a pre-filled input of ${eos ? fmt(eos.messagesPerRound) : "keyed"} messages, one output per input
  (same key and value), read \`read_committed\`. qi-streaming: \`run({ exactlyOnce: { producer }, eachBatch })\`, the slice's
  outputs through \`context.transaction.sendBatch\` (core adds the slice's offsets and commits); raw: the client's own batch
  consumer without auto-commit, each fetched batch cut into slices of ${eos?.perTransaction ?? 500} (our \`maxBatchSize\`), per slice a
  transaction with the outputs, the group's next offset (kafkajs \`sendOffsets({ consumerGroupId })\`, confluent
  \`sendOffsets({ consumer })\`, platformatic \`addConsumer\` + \`addOffset\`) and the commit. Timed from the first slice handed to a
  handler (the group join is not counted) to when the broker reports the group's committed offsets at the input's end (polled every 20 ms).
- The read-back counts the last round's output with Kafka's \`ConsumerPerformance\` (\`isolation.level=read_committed\`,
  a group of its own): every committed record once, nothing aborted.

${report.transactions?.length ? transactions : "Not measured in this run."}
${txErrors.length > 0 ? `\nRows without a ratio, and why (the side that failed was not run again):\n\n${txErrors.join("\n")}\n` : ""}
## Consumer concurrency: an I/O-bound handler (${IO_MS} ms per message)

\`consumer.run({ eachMessage, concurrency })\` reading a pre-produced topic of 6 partitions (100 B values, 1,000 keys,
each key in the partition Java's murmur2 picks) from the beginning with a fresh group; the handler awaits a ${IO_MS} ms
\`setTimeout\` per message. Rows: *sequential* (no \`concurrency\`: one handler per partition at a time, partitions as the
client hands them over), \`{ by: "partition", limit: 8 }\`, \`{ by: "key", limit: 8 | 32 | 128 }\` (\`maxHeldMessages\` at its
default, 1,000), and the *empty handler* (no wait, no concurrency), the connector's own consume rate in the same run. Timed
from the first handler's start to the last one's end (the group join is not counted); the median of rounds.
*Ideal*: N ÷ ${IO_MS} ms per key, min(6, N) ÷ ${IO_MS} ms per partition, capped by the empty-handler row. *In flight*:
the most handlers running at once and their time-weighted mean, counted in the handler; *wait*: the mean time a
handler's ${IO_MS} ms timer really took. The rate is about mean in flight ÷ wait, so a row under its ideal shows which one
fell short: handlers without work (mean under N) or late timers (wait over ${IO_MS} ms, a busy event loop). Counts come from what the handler saw (every (partition, offset)
once), checked against the topic's end offsets from the broker (\`GetOffsetShell\`; the memory cluster's admin for
memory), which must equal per partition what the fill (an idempotent producer) sent: the row's own messages, no copy left by a retry; *order* checks that a key's offsets were handled in order and never two of a key at once (for every row, since
all of them keep order per key). Targets: per-key at N = 32 ≥ ${KEY32_SPEEDUP_TARGET}× sequential and ≥ ${KEY32_IDEAL_TARGET} of the ideal.
${ioSources.length ? `\nThese rows come from runs of their own (\`--scenarios=consume-io --merge\`), per connector:\n\n${ioSources.map(([k, m]) => `- ${k}: ${machineLine(m)}.`).join("\n")}\n` : ""}
${io.length ? ioTable : "Not measured in this run."}

Per key at N = ${MEMORY_LIMIT}, in a process of its own (one per round; peak RSS is the process's high-water mark), on the Kafka connectors:

${report.concurrencyMemory?.length ? ioMemory : "Not measured in this run."}

## Pipelined sends ÷ \`sendBatch\` of 100 (qi-streaming)

The same connector's pipelined rate (windows of 1,000 single sends in flight) against its
\`sendBatch\` of 100, from the throughput rows above: how much of a batch's rate concurrent sends
reach once core gathers them (target ≥ ${PIPELINED_TO_BATCH_TARGET}). The raw clients' own ratio for comparison.

${pipelinedToBatch}

## Idempotence: on against off (qi-streaming)

The same scenario with \`idempotent: true\` (the default) and \`idempotent: false\`, interleaved,
a fresh topic each round; the median of rounds and their range.

${report.idempotence?.length ? idempotence : "Not measured in this run."}

## A flood: ${floodSends === undefined ? "" : `${fmt(floodSends)} `}sends not awaited, then \`Promise.all\`

\`producer.send()\` of 100 B ${floodSends === undefined ? "" : `${fmt(floodSends)} times `}in a loop that does not await, then
\`Promise.all\`, in a process of its own (one per round; the machine itself was shared, see Method); the producer's defaults
(\`bufferMemory\` 32 MiB, \`maxBlockMs\` 60 s). Records in the log counted by Kafka's
\`GetOffsetShell\`; peak RSS is the process's high-water mark (\`process.resourceUsage().maxRSS\`).
Ranges over the rounds.

${report.flood?.length ? flood : "Not measured in this run."}

## Consuming ${consumed === undefined ? "" : `${fmt(consumed)} `}messages of 100 B in a process of its own

A group consumer with an empty handler reading the pre-filled topic from the beginning, one
process per round and side (the machine itself was shared, see Method); peak RSS is the process's high-water mark.
Ranges over the rounds.

${report.consumeMemory?.length ? consumeMemory : "Not measured in this run."}

## Resources while consuming ${fmt(c.consume ?? NaN)} messages

Sampled in the benchmark process (RSS every 100 ms after a forced GC at the start;
\`monitorEventLoopDelay\` at 10 ms resolution). The worst round's peak, the median round's growth.

${resources}

## End-to-end latency at 100 msg/s (send time carried in a header)

${fmt(c.latency ?? NaN)} messages of 100 B to a 1-partition topic, consumer already in its group.

${latency}

## Settings worth changing (our connector, its defaults against the setting, interleaved)

Each row changes one setting from the connector's default (confluent's \`linger.ms\` default is 0).

${settings}

## The ceiling: Kafka's own tools on the same broker

${Object.entries(report.ceiling).map(([k, v]) => `- ${k}: ${fmt(v)} msg/s`).join("\n")}

## The memory connector (what unit tests use)

${Object.entries(report.memory).map(([k, v]) => `- ${k}: ${fmt(v)} msg/s`).join("\n")}

## Method

- Scenarios: *single* = awaited \`send\`, one in flight, raw and ours connected at once and measured
  paired (blocks of 50 sends alternating between them on one topic, so both see the same moments);
  *batch100* = \`sendBatch\` of 100 (raw: one
  \`send\` call with 100 messages); *pipelined* = windows of 1,000 single sends in flight, then wait
  for all; *consume* = a group consumer reading a pre-filled topic of 100 B messages from the
  beginning, timed from \`run()\` to the last message (the topic is filled once by
  \`ProducerPerformance\` and read by every connector, a fresh group each round and side).
- The raw clients are used as their docs show: kafkajs \`producer.send\` and \`eachMessage\` with its
  auto-commit; platformatic's \`Producer.send\` and its message stream; confluent's KafkaJS-style API.
  Client settings that change what is measured are the same on both sides (confluent: \`linger.ms\` 0
  for awaited sends, 5 otherwise); the *settings* table measures our defaults.
- Our side runs with telemetry off and a silent logger, the defaults otherwise (\`autoCommit\` on:
  a commit after each slice of \`maxBatchSize\` 500, one in flight per partition).
- Ratios are medians of per-round values; spreads (min–max) above, every round in \`reports/bench.json\`.
- The ceiling: \`java -cp '<kafka lib>/*' org.apache.kafka.tools.ProducerPerformance --throughput -1
  acks=all\` (${fmt((c.bulk ?? 0) * 4)} records) and \`ConsumerPerformance\` (${fmt(c.consume ?? NaN)} records), once each.
- The machine has 2 cores and was shared with other work (other brokers and test suites) during
  the run: absolute numbers move between runs and rounds; the ratios of one interleaved run are
  what compare. \`loadAverageAtStart\`/\`AtEnd\` above say how busy it was.
`;
  writeFileSync(join(root, "docs", "benchmarks.md"), md);
}
