/** Writes reports/bench.json, docs/benchmarks.md and its SVG chart. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Run {
  connector: string;
  scenario: string;
  messageBytes: number;
  raw: { msgsPerSec: number; spread?: [number, number] };
  wrapped: { msgsPerSec: number; spread?: [number, number] };
  ratio: number;
  target?: number;
  extra?: Record<string, unknown>;
}

export interface BenchReport {
  machine: Record<string, unknown>;
  quick: boolean;
  runs: Run[];
  ceiling: Record<string, number>;
  memory: Record<string, number>;
  latency: Record<string, unknown>;
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "n/a");

function svg(runs: Run[]): string {
  const rowH = 22;
  const w = 760;
  const left = 330;
  const scale = (w - left - 60) / 1.2;
  const rows = runs.map((r, i) => {
    const y = 30 + i * rowH;
    const width = Math.max(1, Math.min(1.2, r.ratio) * scale);
    const miss = r.target !== undefined && r.ratio < r.target;
    return `<text x="${left - 8}" y="${y + 14}" text-anchor="end" font-size="12">${r.connector} · ${r.scenario} · ${r.messageBytes} B</text><rect x="${left}" y="${y + 3}" width="${width.toFixed(1)}" height="14" fill="${miss ? "#d9534f" : "#5b8def"}"/><text x="${left + width + 4}" y="${y + 14}" font-size="11">${r.ratio.toFixed(2)}</text>`;
  });
  const h = 40 + runs.length * rowH;
  const one = left + scale;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif"><text x="${left}" y="18" font-size="13">wrapped ÷ raw throughput (1.00 = no overhead; red = below target)</text>${rows.join("")}<line x1="${one}" y1="24" x2="${one}" y2="${h - 8}" stroke="#333" stroke-dasharray="4 3"/></svg>\n`;
}

export function writeReport(root: string, report: BenchReport): void {
  mkdirSync(join(root, "reports"), { recursive: true });
  writeFileSync(join(root, "reports", "bench.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(root, "docs", "benchmarks.svg"), svg(report.runs));
  const rows = report.runs.map(
    (r) =>
      `| ${r.connector} | ${r.scenario} | ${r.messageBytes} | ${fmt(r.raw.msgsPerSec)} | ${fmt(r.wrapped.msgsPerSec)} | ${r.ratio.toFixed(2)} | ${r.target === undefined ? "" : r.ratio >= r.target ? `≥ ${r.target} ✓` : `≥ ${r.target} ✗`} |`,
  );
  const md = `# Benchmarks

What qi-streaming costs over each raw client, measured by \`pnpm bench\` in **one run against one
broker** (the testkit's Apache Kafka 4.3.1, single KRaft node on loopback), with Kafka's own
\`ProducerPerformance\` and \`ConsumerPerformance\` on the same broker as the ceiling.
${report.quick ? "\n**These figures come from a `--quick` run** (small counts, few rounds): read the ratios, not the absolute numbers.\n" : ""}
Machine: ${Object.entries(report.machine).map(([k, v]) => `${k} ${String(v)}`).join(", ")}.

![wrapped ÷ raw](benchmarks.svg)
${existsSync(join(root, "bench", "FINDINGS.md")) ? "\n" + readFileSync(join(root, "bench", "FINDINGS.md"), "utf8") : ""}

## Throughput, wrapped ÷ raw

Median of the rounds (messages per second; raw and wrapped interleaved, alternating which goes
first, fresh topic and group each time; acks all).

| connector | scenario | bytes | raw msg/s | qi-streaming msg/s | ratio | target |
|---|---|---|---|---|---|---|
${rows.join("\n")}

## The ceiling: Kafka's own tools on the same broker

${Object.entries(report.ceiling).map(([k, v]) => `- ${k}: ${fmt(v)} msg/s`).join("\n")}

## The memory connector

${Object.entries(report.memory).map(([k, v]) => `- ${k}: ${fmt(v)} msg/s`).join("\n")}

## End-to-end latency at a low fixed rate (send time in a header)

| connector | raw p50 / p99 (ms) | qi-streaming p50 / p99 (ms) |
|---|---|---|
${Object.entries(report.latency).map(([k, v]) => { const l = v as { raw: { p50: number; p99: number }; wrapped: { p50: number; p99: number } }; return `| ${k} | ${l.raw.p50} / ${l.raw.p99} | ${l.wrapped.p50} / ${l.wrapped.p99} |`; }).join("\n")}

## Method

- Scenarios: *single* = awaited \`send\`, one in flight; *batch100* = \`sendBatch\` of 100 (raw: one
  \`send\` call with 100 messages); *pipelined* = windows of 1,000 single sends in flight, then
  wait; *consume* = a group consumer reading a pre-filled topic from the beginning, timed from
  \`run()\` to the last message (RSS peak and event-loop delay p99 sampled meanwhile, in \`extra\`).
- The raw clients are used as their docs show (kafkajs \`eachMessage\` with its auto-commit,
  platformatic's message stream, confluent's KafkaJS-style API with \`linger.ms\` 5 like our default).
- Our side runs with telemetry off and a silent logger, the defaults otherwise.
- Ratios are medians of per-round values; spreads (min, max) are in \`reports/bench.json\`.
- The machine is shared and has 2 cores: absolute numbers move between runs; the ratios of one
  interleaved run are what compare.
`;
  writeFileSync(join(root, "docs", "benchmarks.md"), md);
}
