/**
 * The consumer-concurrency rows (`consume-io`): a pre-produced keyed topic of 6 partitions read
 * by a fresh group through `consumer.run({ eachMessage, concurrency })` with an I/O-bound handler
 * (an awaited 5 ms timer per message). Counts come from what the handler saw, checked against the
 * topic's end offsets read from the broker (GetOffsetShell) or the memory cluster's admin.
 */
import type { ConcurrencyConfig, IStreamingConnector } from "@qi/streaming";
import { partitionForKey } from "@qi/streaming/connector";
import { messages } from "./scenarios.js";
import { client } from "./wrapped.js";

/** The handler's I/O wait per message. */
export const IO_MS = 5;
export const PARTITIONS = 6;
/** Targets of the issue: per-key at N = 32 at least this many times sequential, and this share of the ideal. */
export const KEY32_SPEEDUP_TARGET = 20;
export const KEY32_IDEAL_TARGET = 0.9;
/** The bound of the memory row (per-key, N = 128). */
export const MEMORY_ROW = { by: "key", limit: 128, maxHeldMessages: 1000 } as const satisfies ConcurrencyConfig;

export interface IoRowSpec {
  /** `empty`: no wait, no concurrency (the connector's own consume rate, the cap of every ideal). */
  readonly label: string;
  readonly concurrency?: ConcurrencyConfig;
  readonly ioMs: number;
  readonly messages: number;
}

export function ioRows(quick: boolean): IoRowSpec[] {
  const q = (full: number, short: number): number => (quick ? short : full);
  return [
    { label: "empty handler", ioMs: 0, messages: q(100_000, 20_000) },
    { label: "sequential", ioMs: IO_MS, messages: q(3_000, 600) },
    { label: "partition N=8", concurrency: { by: "partition", limit: 8 }, ioMs: IO_MS, messages: q(6_000, 1_500) },
    { label: "key N=8", concurrency: { by: "key", limit: 8 }, ioMs: IO_MS, messages: q(8_000, 2_000) },
    { label: "key N=32", concurrency: { by: "key", limit: 32 }, ioMs: IO_MS, messages: q(30_000, 6_000) },
    { label: "key N=128", concurrency: { by: "key", limit: 128 }, ioMs: IO_MS, messages: q(100_000, 20_000) },
  ];
}

/** N ÷ 5 ms for per-key, min(6, N) ÷ 5 ms for per-partition; none for sequential or the empty handler. */
export function uncappedIdeal(spec: IoRowSpec): number | undefined {
  const c = spec.concurrency;
  if (!c) return undefined;
  return ((c.by === "key" ? c.limit : Math.min(PARTITIONS, c.limit)) * 1000) / spec.ioMs;
}

/** What one consume of a topic saw. */
export interface IoStats {
  /** Handled messages over the time from the first handler's start to the last one's end. */
  msgsPerSec: number;
  /** Handler calls, distinct (partition, offset) pairs among them, and the topic's end offsets summed. */
  handled: number;
  distinct: number;
  expected: number;
  /** Most handlers running at once. */
  peakInFlight: number;
  /**
   * Handlers running at once on average over the timed span, and the mean time a handler's
   * 5 ms wait really took: the rate is their quotient, so a row below its ideal shows whether
   * handlers waited for work (mean in flight under N) or timers fired late (wait over 5 ms).
   */
  meanInFlight: number;
  meanWaitMs: number;
  /** A message of a key handled before an earlier offset of the same key (per partition), or two of a key at once. */
  orderViolations: number;
  overlapViolations: number;
  /** False when the run gave up (timeout) before every message was handled; the rate is then of what was. */
  complete: boolean;
}

/**
 * Fills `topic` (already created, 6 partitions) with `count` keyed messages of 100 B, on Kafka;
 * returns how many each partition was given. Idempotent: a plain kafkajs producer that gets a
 * retriable error for one partition of a request (a partition's leader not ready yet, right after
 * the topic's creation) sends the whole request again, so the partitions already written get a
 * second copy (a quick run's 2,000-message topic held 3,660: 2,000 plus the 1,660 of the five
 * partitions other than the failed one's 340). With sequence numbers the broker drops the copies.
 */
export async function fillKeyed(brokers: string[], topic: string, count: number): Promise<Map<number, number>> {
  const { Kafka, logLevel } = await import("kafkajs");
  const p = new Kafka({ brokers, clientId: "bench-fill", logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const perPartition = new Map<number, number>();
  await p.connect();
  try {
    const all = messages(count, 100).map((m) => ({ key: m.key, value: m.value, partition: partitionForKey(m.key, PARTITIONS) }));
    for (const m of all) perPartition.set(m.partition, (perPartition.get(m.partition) ?? 0) + 1);
    for (let i = 0; i < all.length; i += 5_000) await p.send({ topic, acks: -1, messages: all.slice(i, i + 5_000) });
  } finally {
    await p.disconnect();
  }
  return perPartition;
}

/**
 * Throws unless the broker's end offsets of a freshly filled topic are exactly what the fill sent
 * per partition: a row's check counts the row's own messages, not a duplicate left by a retry.
 */
export function checkFilled(topic: string, sent: Map<number, number>, end: Map<number, number>): void {
  const partitions = new Set([...sent.keys(), ...end.keys()]);
  const wrong = [...partitions].filter((p) => (sent.get(p) ?? 0) !== (end.get(p) ?? 0));
  if (wrong.length > 0) throw new Error(`${topic}: end offsets ${wrong.map((p) => `p${p} ${end.get(p) ?? 0}`).join(", ")} where ${wrong.map((p) => sent.get(p) ?? 0).join(", ")} were sent`);
}

/** The memory connector's equivalent: a 6-partition topic in `cluster`, filled through our producer; returns its end offsets (checked as on Kafka). */
export async function fillKeyedMemory(connector: IStreamingConnector, cluster: string, topic: string, count: number): Promise<Map<number, number>> {
  const c = client(connector, [], { cluster });
  try {
    const admin = (await c.getAdmin())._unsafeUnwrap();
    (await admin.connect())._unsafeUnwrap();
    (await admin.createTopics([{ topic, numPartitions: PARTITIONS }]))._unsafeUnwrap();
    const p = (await c.getProducer())._unsafeUnwrap();
    (await p.connect())._unsafeUnwrap();
    const all = messages(count, 100);
    for (let i = 0; i < all.length; i += 1_000) (await p.sendBatch(all.slice(i, i + 1_000).map((m) => ({ topic, message: m }))))._unsafeUnwrap();
    const offsets = (await admin.fetchTopicOffsets(topic))._unsafeUnwrap();
    const end = new Map(offsets.map((o) => [o.partition, Number(o.latest)]));
    const sent = new Map<number, number>();
    for (const m of all) sent.set(partitionForKey(m.key, PARTITIONS), (sent.get(partitionForKey(m.key, PARTITIONS)) ?? 0) + 1);
    checkFilled(`${cluster}/${topic}`, sent, end);
    return end;
  } finally {
    await c.disconnect();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Reads the whole topic (`endOffsets`, from the broker) with a fresh group: `run({ eachMessage,
 * concurrency })`, the handler awaiting `ioMs`. Done when every (partition, offset) below the end
 * offsets was handled, or after `timeoutMs` (then `complete: false`).
 */
export async function consumeIo(connector: IStreamingConnector, brokers: string[], options: Record<string, unknown>, groupId: string, topic: string, endOffsets: Map<number, number>, spec: IoRowSpec, timeoutMs: number): Promise<IoStats> {
  const seen = new Map<number, Uint8Array>([...endOffsets].map(([p, end]) => [p, new Uint8Array(end)]));
  const expected = [...endOffsets.values()].reduce((a, b) => a + b, 0);
  const lastOfKey = new Map<string, number>();
  const keysInFlight = new Set<string>();
  let handled = 0;
  let distinct = 0;
  let finished = 0;
  let inFlight = 0;
  let peak = 0;
  let area = 0;
  let changed = NaN;
  let waited = 0;
  const step = (by: number): void => {
    const t = performance.now();
    if (!Number.isNaN(changed)) area += inFlight * (t - changed);
    changed = t;
    inFlight += by;
  };
  let order = 0;
  let overlap = 0;
  let first = NaN;
  let last = NaN;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const c = client(connector, brokers, options);
  try {
    const consumer = (await c.getConsumer({ groupId }))._unsafeUnwrap();
    (await consumer.connect())._unsafeUnwrap();
    (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    (
      await consumer.run({
        ...(spec.concurrency ? { concurrency: spec.concurrency } : {}),
        eachMessage: async (m) => {
          if (Number.isNaN(first)) first = performance.now();
          handled++;
          const offset = Number(m.offset);
          const marks = seen.get(m.partition);
          if (marks && offset < marks.length && marks[offset] === 0) {
            marks[offset] = 1;
            distinct++;
          }
          const key = `${m.partition}/${m.key?.toString() ?? ""}`;
          if ((lastOfKey.get(key) ?? -1) >= offset) order++;
          lastOfKey.set(key, offset);
          if (keysInFlight.has(key)) overlap++;
          keysInFlight.add(key);
          step(1);
          peak = Math.max(peak, inFlight);
          const t0 = performance.now();
          if (spec.ioMs > 0) await sleep(spec.ioMs);
          waited += performance.now() - t0;
          step(-1);
          keysInFlight.delete(key);
          finished++;
          if (distinct === expected && finished >= handled) {
            last = performance.now();
            done();
          }
        },
      })
    )._unsafeUnwrap();
    const timer = setTimeout(done, timeoutMs);
    await all;
    clearTimeout(timer);
  } finally {
    await c.disconnect();
  }
  const complete = distinct === expected;
  const end = complete ? last : performance.now();
  return { msgsPerSec: finished / ((end - first) / 1000), handled, distinct, expected, peakInFlight: peak, meanInFlight: area / (end - first), meanWaitMs: waited / Math.max(1, finished), orderViolations: order, overlapViolations: overlap, complete };
}
