/**
 * One measurement in a process of its own, so that the peak RSS is that measurement's and
 * nothing else's: a producer flood (sends not awaited, then Promise.all) or a consumer reading a
 * pre-filled topic. The job comes as JSON in QI_BENCH_JOB; prints one JSON line.
 */
import type { IStreamingConnector } from "@qi/streaming";
import { consumeIo, IO_MS, MEMORY_ROW } from "./concurrency.js";
import { RAW_CLIENTS } from "./raw.js";
import { consumeAll } from "./scenarios.js";
import { client, wrappedConsumer } from "./wrapped.js";

export interface ChildJob {
  readonly kind: "flood" | "consume" | "consume-io";
  readonly connector: string;
  /** `raw`: the client library alone; `qi`: through qi-streaming. Floods run on qi only. */
  readonly side: "raw" | "qi";
  readonly brokers: string[];
  readonly topic: string;
  readonly count: number;
  readonly bytes?: number;
  readonly groupId?: string;
  /** consume-io: the topic's end offsets ([partition, offset] pairs), read by the parent from the broker. */
  readonly endOffsets?: [number, number][];
}

/** What a consume-io child prints. */
export interface ConsumeIoResult {
  msgsPerSec: number;
  maxRssMb: number;
  distinct: number;
  expected: number;
  complete: boolean;
}

/** What a flood child prints. */
export interface FloodResult {
  ms: number;
  ok: number;
  errors: Record<string, number>;
  maxRssMb: number;
}

/** What a consume child prints. */
export interface ConsumeResult {
  msgsPerSec: number;
  maxRssMb: number;
}

const CONNECTORS: Record<string, () => Promise<{ connector: IStreamingConnector }>> = {
  kafkajs: () => import("@qi/streaming-kafkajs"),
  platformatic: () => import("@qi/streaming-platformatic"),
  confluent: () => import("@qi/streaming-confluent"),
};

/** The process's high-water mark of RSS (resourceUsage reports KiB). */
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

const job = JSON.parse(process.env.QI_BENCH_JOB ?? "{}") as ChildJob;
const load = CONNECTORS[job.connector];
if (!load) throw new Error(`unknown connector ${job.connector}`);

if (job.kind === "flood") {
  const { connector } = await load();
  const c = client(connector, job.brokers, {});
  const producer = (await c.getProducer())._unsafeUnwrap();
  (await producer.connect())._unsafeUnwrap();
  const value = Buffer.alloc(job.bytes ?? 100, 120);
  const t0 = performance.now();
  const sends = new Array<ReturnType<typeof producer.send>>(job.count);
  for (let i = 0; i < job.count; i++) sends[i] = producer.send(job.topic, { key: `key-${i % 1000}`, value });
  const results = await Promise.all(sends);
  const ms = performance.now() - t0;
  const out: FloodResult = { ms: Math.round(ms), ok: 0, errors: {}, maxRssMb: peakRssMb() };
  for (const r of results) {
    if (r.isOk()) out.ok++;
    else out.errors[r.error.code] = (out.errors[r.error.code] ?? 0) + 1;
  }
  await c.disconnect();
  process.stdout.write(JSON.stringify(out) + "\n");
} else if (job.kind === "consume-io") {
  // Per key at N = 128 with its maxHeldMessages bound, the 5 ms handler.
  const spec = { label: "key N=128", concurrency: MEMORY_ROW, ioMs: IO_MS, messages: job.count };
  const s = await consumeIo((await load()).connector, job.brokers, {}, job.groupId!, job.topic, new Map(job.endOffsets ?? []), spec, 540_000);
  const out: ConsumeIoResult = { msgsPerSec: s.msgsPerSec, maxRssMb: peakRssMb(), distinct: s.distinct, expected: s.expected, complete: s.complete };
  process.stdout.write(JSON.stringify(out) + "\n");
} else {
  const consumer = job.side === "raw" ? RAW_CLIENTS[job.connector]!.consumer(job.brokers, job.groupId!) : wrappedConsumer((await load()).connector, job.brokers, job.groupId!);
  const stats = await consumeAll(consumer, job.topic, job.count, 600_000);
  const out: ConsumeResult = { msgsPerSec: stats.msgsPerSec, maxRssMb: peakRssMb() };
  process.stdout.write(JSON.stringify(out) + "\n");
}
// Raw clients keep sockets and timers after close; the measurement is done.
process.exit(0);
