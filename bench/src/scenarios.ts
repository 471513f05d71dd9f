/** One measurement each: produce (single, batched, pipelined), consume, latency, resources. */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Msg, RawConsumer, RawProducer } from "./raw.js";
import type { WrappedProducer } from "./wrapped.js";

export function messages(count: number, bytes: number, offset = 0): Msg[] {
  const value = Buffer.alloc(bytes, 120);
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`key-${(offset + i) % 1000}`), value }));
}

const now = (): number => performance.now();

/** One message through either side: our `send` or the raw client's send of a one-message batch. */
const sendOne = (p: RawProducer | WrappedProducer, topic: string, m: Msg): Promise<void> => ("sendOne" in p ? p.sendOne(topic, m) : p.send(topic, [m]));

/** Awaited single sends: one in flight at a time. */
export async function produceSingle(p: RawProducer | WrappedProducer, topic: string, msgs: Msg[]): Promise<number> {
  const t0 = now();
  for (const m of msgs) await sendOne(p, topic, m);
  return msgs.length / ((now() - t0) / 1000);
}

/**
 * Awaited single sends on both sides at once: blocks of `block` sends alternate between the two
 * producers (the first block's side alternating too), so both see the same moments of a noisy
 * machine. A round trip is under a millisecond; in separate one-second runs a GC pause of the
 * broker or a busy core moved the ratio by ±20 %. Returns [first's rate, second's rate].
 */
export async function produceSinglePaired(a: RawProducer | WrappedProducer, b: RawProducer | WrappedProducer, topic: string, msgs: Msg[], block = 50): Promise<[number, number]> {
  const elapsed = [0, 0];
  const counts = [0, 0];
  const sides = [a, b] as const;
  for (let i = 0, turn = 0; i < msgs.length; i += block, turn++) {
    for (const k of turn % 2 === 0 ? [0, 1] : [1, 0]) {
      const p = sides[k]!;
      const t0 = now();
      for (const m of msgs.slice(i, i + block)) await sendOne(p, topic, m);
      elapsed[k]! += now() - t0;
      counts[k]! += Math.min(block, msgs.length - i);
    }
  }
  return [counts[0]! / (elapsed[0]! / 1000), counts[1]! / (elapsed[1]! / 1000)];
}

/** Batches of 100 per call. */
export async function produceBatched(p: RawProducer, topic: string, msgs: Msg[]): Promise<number> {
  const t0 = now();
  for (let i = 0; i < msgs.length; i += 100) await p.send(topic, msgs.slice(i, i + 100));
  return msgs.length / ((now() - t0) / 1000);
}

/** Single sends, a window of 1,000 in flight, then wait for all. */
export async function producePipelined(p: RawProducer | WrappedProducer, topic: string, msgs: Msg[]): Promise<number> {
  const t0 = now();
  for (let i = 0; i < msgs.length; i += 1000) {
    await Promise.all(msgs.slice(i, i + 1000).map((m) => sendOne(p, topic, m)));
  }
  return msgs.length / ((now() - t0) / 1000);
}

export interface ConsumeStats {
  msgsPerSec: number;
  startRssMb: number;
  maxRssMb: number;
  eventLoopP50Ms: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Consumes `expected` messages of a pre-filled topic; throughput from start() to the last one. */
export async function consumeAll(c: RawConsumer, topic: string, expected: number, timeoutMs: number): Promise<ConsumeStats> {
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  gc?.();
  const eld = monitorEventLoopDelay({ resolution: 10 });
  const startRss = process.memoryUsage().rss;
  let maxRss = startRss;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 100);
  eld.enable();
  const t0 = now();
  await c.start(topic, () => {
    if (++seen === expected) done();
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  const ms = now() - t0;
  clearTimeout(timer);
  clearInterval(sampler);
  eld.disable();
  await c.close();
  if (seen < expected) throw new Error(`consumed ${seen} of ${expected} within ${timeoutMs} ms`);
  const mb = (b: number): number => Math.round(b / 1048576);
  const msOf = (ns: number): number => Math.round(ns / 1e4) / 100;
  return { msgsPerSec: expected / (ms / 1000), startRssMb: mb(startRss), maxRssMb: mb(maxRss), eventLoopP50Ms: msOf(eld.percentile(50)), eventLoopP99Ms: msOf(eld.percentile(99)), eventLoopMaxMs: msOf(eld.max) };
}

/** End-to-end latency at a fixed low rate: send time in a header, read on arrival. */
export async function latency(p: RawProducer | WrappedProducer, c: RawConsumer, topic: string, count: number, ratePerSec: number): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await c.start(topic, (headers) => {
    const sent = Number(headers["bench-sent"]);
    if (Number.isFinite(sent)) samples.push(now() - sent);
    if (samples.length === count) done();
  });
  await new Promise((r) => setTimeout(r, 1500)); // let the group settle before the clock matters
  for (let i = 0; i < count; i++) {
    const m = { key: Buffer.from(`k${i}`), value: Buffer.alloc(100, 1), headers: { "bench-sent": String(now()) } };
    void sendOne(p, topic, m).catch(() => {});
    await new Promise((r) => setTimeout(r, 1000 / ratePerSec));
  }
  const timer = setTimeout(done, 15_000);
  await finished;
  clearTimeout(timer);
  await c.close();
  samples.sort((a, b) => a - b);
  const pct = (q: number): number => Math.round((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN) * 100) / 100;
  return { p50: pct(0.5), p99: pct(0.99) };
}
