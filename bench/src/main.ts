/**
 * `pnpm bench [--quick]`: qi-streaming over each raw client, interleaved and repeated in one run
 * against one harness broker, with Kafka's perf tools as the ceiling. Writes reports/bench.json,
 * docs/benchmarks.md and docs/benchmarks.svg.
 */
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStreamingClient, memoryConnector, type IStreamingConnector } from "@qi/streaming";
import { confluentConnector } from "@qi/streaming-confluent";
import { kafkajsConnector } from "@qi/streaming-kafkajs";
import { platformaticConnector } from "@qi/streaming-platformatic";
import { kafkaFromEnv, startKafka } from "@qi/streaming-testkit/harness";
import { consumerPerformance, producerPerformance } from "./ceiling.js";
import { RAW_CLIENTS, type RawClient } from "./raw.js";
import { writeReport, type BenchReport, type Run } from "./report.js";
import { consumeAll, latency, messages, produceBatched, producePipelined, produceSingle } from "./scenarios.js";
import { wrappedConsumer, wrappedProducer } from "./wrapped.js";

const quick = process.argv.includes("--quick");
const root = fileURLToPath(new URL("../..", import.meta.url));
const COUNTS = quick
  ? { rounds: 2, single: 300, bulk: 5_000, consume: 20_000, latency: 100 }
  : { rounds: 5, single: 2_000, bulk: 50_000, consume: 1_000_000, latency: 1_000 };
const CONNECTORS: { connector: IStreamingConnector; raw: RawClient }[] = [
  { connector: kafkajsConnector, raw: RAW_CLIENTS[0]! },
  { connector: platformaticConnector, raw: RAW_CLIENTS[1]! },
  { connector: confluentConnector, raw: RAW_CLIENTS[2]! },
];
const TARGETS: Record<string, number> = { single: 0.9, batch100: 0.97, pipelined: 0.97, consume: 0.97 };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const progress = (line: string): void => void process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const kafka = kafkaFromEnv() ?? (await startKafka({ log: () => {} }));
const brokers = kafka.brokers;
const admin = createStreamingClient({ connector: kafkajsConnector, brokers, logger: { debug() {}, info() {}, warn() {}, error() {} } })._unsafeUnwrap();
const adm = (await admin.getAdmin())._unsafeUnwrap();
(await adm.connect())._unsafeUnwrap();
let n = 0;
async function topic(partitions = 6): Promise<string> {
  const name = `bench-${Date.now().toString(36)}-${n++}`;
  (await adm.createTopics([{ topic: name, numPartitions: partitions }]))._unsafeUnwrap();
  return name;
}

progress(`broker ${brokers.join(",")}`);
const runs: Run[] = [];
const latencyReport: Record<string, unknown> = {};
try {
  for (const { connector, raw } of CONNECTORS) {
    const name = connector.name;
    for (const bytes of [100, 1024]) {
      for (const [scenario, count] of [["single", COUNTS.single], ["batch100", COUNTS.bulk], ["pipelined", COUNTS.bulk]] as const) {
        const rawRates: number[] = [];
        const ourRates: number[] = [];
        for (let round = 0; round <= COUNTS.rounds; round++) {
          const order = round % 2 === 0 ? ["raw", "ours"] : ["ours", "raw"];
          for (const side of order) {
            const t = await topic();
            const msgs = messages(count, bytes);
            const p = side === "raw" ? await raw.producer(brokers) : await wrappedProducer(connector, brokers);
            if (process.env.BENCH_DEBUG) progress(`${name} ${scenario} ${bytes} round ${round} ${side}`);
            const rate = scenario === "single" ? await produceSingle(p, t, msgs) : scenario === "batch100" ? await produceBatched(p, t, msgs) : await producePipelined(p, t, msgs);
            await p.close();
            if (round > 0) (side === "raw" ? rawRates : ourRates).push(rate); // round 0 is the warm-up
          }
        }
        const r = median(rawRates);
        const w = median(ourRates);
        runs.push({ connector: name, scenario, messageBytes: bytes, raw: { msgsPerSec: r, spread: [Math.min(...rawRates), Math.max(...rawRates)] }, wrapped: { msgsPerSec: w, spread: [Math.min(...ourRates), Math.max(...ourRates)] }, ratio: w / r, target: TARGETS[scenario] });
        progress(`${name} ${scenario} ${bytes} B: raw ${Math.round(r)} msg/s, qi ${Math.round(w)} msg/s, ratio ${(w / r).toFixed(2)}`);
      }
    }
    // Consume: one pre-filled topic, read by a fresh group per round and side.
    const t = await topic();
    const filler = await raw.producer(brokers);
    for (let i = 0; i < COUNTS.consume; i += 10_000) await filler.send(t, messages(Math.min(10_000, COUNTS.consume - i), 100, i));
    await filler.close();
    const rawRates: number[] = [];
    const ourRates: number[] = [];
    let extra: Record<string, unknown> = {};
    for (let round = 0; round <= Math.min(COUNTS.rounds, quick ? 2 : 3); round++) {
      for (const side of round % 2 === 0 ? ["raw", "ours"] : ["ours", "raw"]) {
        const group = `bench-g-${Date.now().toString(36)}-${n++}`;
        const c = side === "raw" ? raw.consumer(brokers, group) : wrappedConsumer(connector, brokers, group);
        const stats = await consumeAll(c, t, COUNTS.consume, 600_000);
        if (round > 0) (side === "raw" ? rawRates : ourRates).push(stats.msgsPerSec);
        if (side === "ours") extra = { maxRssMb: stats.maxRssMb, eventLoopP99Ms: stats.eventLoopP99Ms };
      }
    }
    const r = median(rawRates);
    const w = median(ourRates);
    runs.push({ connector: name, scenario: "consume", messageBytes: 100, raw: { msgsPerSec: r, spread: [Math.min(...rawRates), Math.max(...rawRates)] }, wrapped: { msgsPerSec: w, spread: [Math.min(...ourRates), Math.max(...ourRates)] }, ratio: w / r, target: TARGETS.consume, extra });
    progress(`${name} consume: raw ${Math.round(r)} msg/s, qi ${Math.round(w)} msg/s, ratio ${(w / r).toFixed(2)} ${JSON.stringify(extra)}`);
    // Latency at 100 msg/s.
    const lr = await latency(await raw.producer(brokers), raw.consumer(brokers, `bench-l-${n++}`), await topic(1), COUNTS.latency, 100);
    const lw = await latency(await wrappedProducer(connector, brokers), wrappedConsumer(connector, brokers, `bench-l-${n++}`), await topic(1), COUNTS.latency, 100);
    latencyReport[name] = { raw: lr, wrapped: lw };
    progress(`${name} latency p50/p99 ms: raw ${lr.p50}/${lr.p99}, qi ${lw.p50}/${lw.p99}`);
  }

  // The memory connector on its own (what users put in unit tests).
  const memory: Record<string, number> = {};
  for (const [scenario, fn] of [["batch100", produceBatched], ["pipelined", producePipelined]] as const) {
    const c = createStreamingClient({ connector: memoryConnector, options: { cluster: "bench", autoCreateTopics: true }, telemetry: false })._unsafeUnwrap();
    const p = (await c.getProducer())._unsafeUnwrap();
    (await p.connect())._unsafeUnwrap();
    const t = `mem-${scenario}`;
    memory[`memory ${scenario} 100 B`] = await fn({ send: async (topic, ms) => void (await p.sendBatch(ms.map((message) => ({ topic, message })))), close: async () => {} }, t, messages(COUNTS.bulk, 100));
    await c.disconnect();
  }
  progress(`memory: ${JSON.stringify(memory)}`);

  // The ceiling.
  const ceiling: Record<string, number> = {};
  for (const bytes of [100, 1024]) ceiling[`ProducerPerformance ${bytes} B, acks all`] = producerPerformance(brokers, await topic(), COUNTS.bulk * 4, bytes);
  const ct = await topic();
  producerPerformance(brokers, ct, COUNTS.consume, 100);
  ceiling["ConsumerPerformance 100 B"] = consumerPerformance(brokers, ct, COUNTS.consume);
  progress(`ceiling: ${JSON.stringify(ceiling)}`);

  const report: BenchReport = {
    machine: { cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}`, memory: `${Math.round(totalmem() / 2 ** 30)} GiB`, node: process.version, kafka: kafka.version ?? "external" },
    quick,
    runs,
    ceiling,
    memory,
    latency: latencyReport,
  };
  writeReport(root, report);
  progress(`wrote ${join("reports", "bench.json")}, docs/benchmarks.md, docs/benchmarks.svg`);
  const missed = runs.filter((r) => r.target !== undefined && r.ratio < r.target);
  for (const m of missed) progress(`below target: ${m.connector} ${m.scenario} ${m.messageBytes} B ratio ${m.ratio.toFixed(2)} < ${m.target}`);
} finally {
  await admin.disconnect();
  await kafka.stop();
}
// Raw clients in the latency runs keep sockets and timers after close (platformatic's stream,
// librdkafka's threads); a benchmark is a command, so it ends here.
process.exit(0);
