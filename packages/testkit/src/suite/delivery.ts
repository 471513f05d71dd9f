/**
 * Delivery: each message written once. A batch sent right after its topics were created (when
 * brokers still answer "not the leader" for some partitions) must land in the log exactly once:
 * a client that resends a whole request after one partition failed writes the others twice.
 * Counted from the broker, by reading every partition back from the beginning.
 */
import { messagesToResend, mayHaveBeenWritten, type ConsumedMessage, type IStreamingProducer, type MessageOutcome, type ProducerConfig } from "@qi/streaming";
import { expect } from "vitest";
import { must, mustFail, sleep, valuesOf, type TestBed } from "./bed.js";
import { defineGroup } from "./group.js";

const ROUNDS = 20;
const TOPICS_PER_ROUND = 3;
const PARTITIONS = 3;
const PER_TOPIC = 30;

/** Creates fresh topics and at once sends one batch over all of their partitions, ROUNDS times; returns what was sent. */
async function sendRightAfterCreate(bed: TestBed, config: ProducerConfig | undefined): Promise<{ topics: string[]; sent: string[] }> {
  return sendRounds(bed, await bed.producer(config));
}

async function sendRounds(bed: TestBed, producer: IStreamingProducer): Promise<{ topics: string[]; sent: string[] }> {
  const admin = await bed.admin();
  const topics: string[] = [];
  const sent: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = Array.from({ length: TOPICS_PER_ROUND }, () => bed.name("once"));
    must(await admin.createTopics(fresh.map((topic) => ({ topic, numPartitions: PARTITIONS }))));
    const batch = fresh.flatMap((topic) =>
      Array.from({ length: PER_TOPIC }, (_, i) => ({ topic, message: { key: `k-${i}`, value: `${topic}/${i}` } })),
    );
    const results = must(await producer.sendBatch(batch));
    expect(results).toHaveLength(batch.length);
    topics.push(...fresh);
    sent.push(...batch.map((b) => b.message.value));
  }
  return { topics, sent };
}

/** Reads every message of the topics back from the beginning; waits a moment past the count so duplicates show. */
async function readBack(bed: TestBed, topics: readonly string[], expected: number): Promise<string[]> {
  return valuesOf(await readMessages(bed, topics, expected));
}

async function readMessages(bed: TestBed, topics: readonly string[], expected: number): Promise<ConsumedMessage[]> {
  const { received } = await bed.consumer(topics, { groupId: bed.name("once-reader") });
  await bed.waitFor(() => received.length >= expected, `${expected} messages read back`, 60_000);
  await sleep(bed.t(1500));
  return received;
}

/** What one `send` settles to. */
type SendResult = Awaited<ReturnType<IStreamingProducer["send"]>>;

/** What a set of unawaited sends came to: the outcome of each message, from the Results. */
interface Tally {
  readonly outcomes: MessageOutcome[];
  readonly codes: Map<string, number>;
}

function tally(results: readonly SendResult[]): Tally {
  const codes = new Map<string, number>();
  const outcomes = results.map((r): MessageOutcome => {
    if (r.isOk()) return { status: "written", ...r.value };
    codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1);
    expect(r.error.outcomes, `${r.error.code} carries one outcome`).toHaveLength(1);
    expect(mayHaveBeenWritten(r.error)).toBe(r.error.outcomes![0]!.status !== "not-written");
    return r.error.outcomes![0]!;
  });
  return { outcomes, codes };
}

/**
 * The log agrees with every definite outcome: each written message once, at the partition and
 * offset reported; no not-written message at all; the unknown at most once. `values[i]` is
 * message i's value. Returns how many messages the log holds.
 */
async function checkAgainstLog(bed: TestBed, topic: string, values: readonly string[], outcomes: readonly MessageOutcome[]): Promise<{ inLog: number; written: number; unknown: number; notWritten: number }> {
  const count = (status: MessageOutcome["status"]): number => outcomes.filter((o) => o.status === status).length;
  const written = count("written");
  const unknown = count("unknown");
  const log = (await readMessages(bed, [topic], written)).filter((m) => !(m.value?.toString("utf8") ?? "").startsWith("warm-up-"));
  const where = new Map<string, string[]>();
  for (const m of log) {
    const v = m.value?.toString("utf8") ?? "";
    where.set(v, [...(where.get(v) ?? []), `${m.partition}/${m.offset}`]);
  }
  const dupes = [...where.values()].filter((w) => w.length > 1).length;
  expect(dupes, `${dupes} messages in the log twice`).toBe(0);
  outcomes.forEach((o, i) => {
    const at = where.get(values[i]!);
    if (o.status === "written") expect(at, `message ${i} reported written at ${o.partition}/${o.offset}`).toEqual([`${o.partition}/${o.offset}`]);
    if (o.status === "not-written") expect(at, `message ${i} reported not written`).toBeUndefined();
  });
  expect(log.length).toBeGreaterThanOrEqual(written);
  expect(log.length).toBeLessThanOrEqual(written + unknown);
  return { inLog: log.length, written, unknown, notWritten: outcomes.length - written - unknown };
}

const name = (bed: TestBed): string => bed.options.name ?? bed.options.connector.name;

/** One awaited send first, so that the partition counts are known and the flood goes straight to the client. */
async function warmUp(producer: IStreamingProducer, topic: string): Promise<void> {
  for (let i = 0; i < 5; i++) if ((await producer.send(topic, { value: `warm-up-${i}` })).isOk()) return;
  throw new Error("the warm-up send failed five times");
}

/**
 * Unawaited sends of distinct values, `size` bytes each, over a 3-partition topic, issued in
 * chunks with a turn of the event loop between them (so the first are answered while the rest
 * are still being sent, as in a service).
 */
async function flood(producer: IStreamingProducer, topic: string, count: number, size: number, chunk = 500): Promise<{ values: string[]; sends: Promise<SendResult>[] }> {
  const pad = "x".repeat(size);
  const values = Array.from({ length: count }, (_, i) => `m-${i}-${pad}`);
  const sends: Promise<SendResult>[] = [];
  for (let i = 0; i < count; i++) {
    sends.push(Promise.resolve(producer.send(topic, { key: `k-${i % 89}`, value: values[i]! })));
    if (i % chunk === chunk - 1) await new Promise((r) => setImmediate(r));
  }
  return { values, sends };
}

const IN_FLIGHT = 10_000;
const FLOOD = 30_000;

/** Volume that a broker cannot take within a 50 ms send timeout or a 1 ms close (30 MB). */
const SLOW_COUNT = 60_000;
const SLOW_SIZE = 500;

export const deliveryTests = defineGroup("delivery", ({ test, caps }) => {
  // An in-process connector (memory) writes in the same turn: no send of it is still in flight at a timer.
  const inProcess = !caps.network;

  test("a batch in which one topic refuses its message: the others are written once, and the error says which were written", async (bed) => {
    const admin = await bed.admin();
    const small = bed.name("accepts");
    const strict = bed.name("refuses");
    must(await admin.createTopics([{ topic: small, numPartitions: 3 }, { topic: strict, numPartitions: 1, configs: { "max.message.bytes": "1024" } }]));
    const producer = await bed.producer();
    const batch: { topic: string; message: { key?: string; value: string } }[] = Array.from({ length: 30 }, (_, i) => ({ topic: small, message: { key: `k-${i}`, value: `small-${i}` } }));
    const tooLarge = { topic: strict, message: { value: "L".repeat(4096) } };
    batch.splice(15, 0, tooLarge);
    const error = mustFail(await producer.sendBatch(batch));
    expect(error.code).toBe("MESSAGE_TOO_LARGE");
    expect(error.outcomes).toHaveLength(31);
    expect(error.outcomes![15]).toMatchObject({ status: "not-written", topic: strict });
    const written = error.outcomes!.filter((o) => o.status === "written");
    expect(written, "the 30 messages of the other topic are reported written").toHaveLength(30);
    expect(messagesToResend(batch, error)).toEqual([tooLarge]);
    const log = await readMessages(bed, [small, strict], 30);
    expect(log.filter((m) => m.topic === strict)).toHaveLength(0);
    expect(log).toHaveLength(30);
    const at = new Map(log.map((m) => [m.value?.toString("utf8"), `${m.topic}/${m.partition}/${m.offset}`]));
    batch.forEach((b, i) => {
      const o = error.outcomes![i]!;
      if (o.status === "written") expect(at.get(b.message.value), `message ${i}`).toBe(`${o.topic}/${o.partition}/${o.offset}`);
    });
    bed.report(`${name(bed)}: batch of 31, one refused (MESSAGE_TOO_LARGE): ${written.length} reported written, ${log.length} in the log`);
  }, { timeout: 90_000 });

  test("a send that times out in our layer says it may have been written, and the log agrees with every definite outcome", async (bed) => {
    const topic = await bed.topic(3);
    // A buffer that holds the whole flood: every send is on the clock at once (waiting for room is not).
    const producer = must(await bed.client({ connectionTimeout: 100 }).getProducer({ timeout: 50, closeTimeoutMs: 60_000, bufferMemory: 512 * 1024 * 1024 }));
    must(await producer.connect());
    await warmUp(producer, topic);
    const started = Date.now();
    const { values, sends } = await flood(producer, topic, SLOW_COUNT, SLOW_SIZE, 2_000);
    const { outcomes, codes } = tally(await Promise.all(sends));
    const settledIn = Date.now() - started;
    must(await producer.disconnect());
    expect(codes.get("REQUEST_TIMED_OUT") ?? 0, `no send timed out within 150 ms (codes: ${JSON.stringify([...codes])})`).toBeGreaterThan(0);
    const counts = await checkAgainstLog(bed, topic, values, outcomes);
    bed.report(`${name(bed)}: ${SLOW_COUNT} sends, 150 ms send timeout, settled in ${settledIn} ms; codes ${JSON.stringify([...codes])}; written ${counts.written}, unknown ${counts.unknown}, not written ${counts.notWritten}; ${counts.inLog} in the log`);
  }, { timeout: 150_000, when: !inProcess });

  test("disconnect() at its bound fails what is still in flight with PRODUCER_CLOSED, and the log agrees with every definite outcome", async (bed) => {
    const topic = await bed.topic(3);
    const producer = await bed.producer({ closeTimeoutMs: 1 });
    await warmUp(producer, topic);
    const errors: unknown[] = [];
    const onUncaught = (e: unknown): void => void errors.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      const { values, sends } = await flood(producer, topic, SLOW_COUNT, SLOW_SIZE);
      const closed = await producer.disconnect();
      const { outcomes, codes } = tally(await Promise.all(sends));
      must(closed);
      expect([...codes.keys()].filter((c) => c !== "PRODUCER_CLOSED"), "no other failure than the close").toEqual([]);
      if (!inProcess) expect(codes.get("PRODUCER_CLOSED") ?? 0, "some sends were cut by the 1 ms bound").toBeGreaterThan(0);
      await sleep(bed.t(1000));
      const counts = await checkAgainstLog(bed, topic, values, outcomes);
      bed.report(`${name(bed)}: ${SLOW_COUNT} in flight, disconnect() bound 1 ms: written ${counts.written}, unknown ${counts.unknown}, not written ${counts.notWritten}; ${counts.inLog} in the log`);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
    expect(errors.map(String), "nothing reached the process").toEqual([]);
  }, { timeout: 150_000 });

  test(`disconnect() with ${IN_FLIGHT} sends in flight flushes them: every send ok, and the log holds ${IN_FLIGHT}`, async (bed) => {
    const topic = await bed.topic(3);
    const producer = await bed.producer();
    const sends = Array.from({ length: IN_FLIGHT }, (_, i) => producer.send(topic, { key: `k-${i % 97}`, value: `v-${i}` }));
    const closed = await producer.disconnect();
    const results = await Promise.all(sends);
    const failed = results.filter((r) => r.isErr());
    expect(failed.map((r) => (r.isErr() ? r.error.code : "")).slice(0, 3), `${failed.length} sends failed`).toEqual([]);
    must(closed);
    const read = await readBack(bed, [topic], IN_FLIGHT);
    bed.report(`${bed.options.name ?? bed.options.connector.name}: ${IN_FLIGHT} in flight at disconnect(), ${read.length} in the log`);
    expect(read.length).toBe(IN_FLIGHT);
    expect(new Set(read).size).toBe(IN_FLIGHT);
  }, { timeout: 120_000 });

  test(`a loop that does not await: ${FLOOD} sends through a 256 KiB buffer all succeed, and the log holds each once`, async (bed) => {
    const topic = await bed.topic(3);
    const producer = await bed.producer({ bufferMemory: 256 * 1024 });
    const sends = Array.from({ length: FLOOD }, (_, i) => producer.send(topic, { key: `k-${i % 101}`, value: `flood-${i}-${"x".repeat(64)}` }));
    const results = await Promise.all(sends);
    const failed = results.filter((r) => r.isErr());
    expect(failed.map((r) => (r.isErr() ? r.error.code : "")).slice(0, 3), `${failed.length} sends failed`).toEqual([]);
    const read = await readBack(bed, [topic], FLOOD);
    bed.report(`${bed.options.name ?? bed.options.connector.name}: ${FLOOD} sends not awaited, ${read.length} in the log`);
    expect(read.length).toBe(FLOOD);
    expect(new Set(read).size).toBe(FLOOD);
  }, { timeout: 150_000 });

  test(`a loop that waits for room (hasRoom / waitForRoom) sends ${FLOOD}, each finding room at once, each in the log once`, async (bed) => {
    const topic = await bed.topic(3);
    const producer = await bed.producer({ bufferMemory: 256 * 1024 });
    const sends: Promise<SendResult>[] = [];
    let waits = 0;
    for (let i = 0; i < FLOOD; i++) {
      if (!producer.hasRoom()) {
        waits++;
        must(await producer.waitForRoom());
        expect(producer.hasRoom(), "room once waitForRoom resolved").toBe(true);
      }
      sends.push(Promise.resolve(producer.send(topic, { key: `k-${i % 101}`, value: `drain-${i}-${"x".repeat(64)}` })));
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => r.isErr()).length).toBe(0);
    if (!inProcess) expect(waits, "the 256 KiB buffer filled at least once").toBeGreaterThan(0);
    const read = await readBack(bed, [topic], FLOOD);
    bed.report(`${name(bed)}: ${FLOOD} sends, the loop waited for room ${waits} times, ${read.length} in the log`);
    expect(read.length).toBe(FLOOD);
    expect(new Set(read).size).toBe(FLOOD);
  }, { timeout: 150_000 });

  test(`a program that creates topics and at once sends batches to them, ${ROUNDS * 5} times with default settings, finds every message in the log exactly once`, async (bed) => {
    const producer = await bed.producer();
    let sentCount = 0;
    for (let block = 0; block < 5; block++) {
      const { topics, sent } = await sendRounds(bed, producer);
      const read = await readBack(bed, topics, sent.length);
      expect(read.length - sent.length, `block ${block}: records written more than once`).toBe(0);
      expect([...read].sort()).toEqual([...sent].sort());
      sentCount += sent.length;
    }
    bed.report(`${name(bed)}: ${ROUNDS * 5} rounds of create-then-send, ${sentCount} sent, each in the log once`);
  }, { timeout: 400_000 });

  for (const [label, config] of [
    ["idempotent: false", { idempotent: false }],
  ] as const) {
    test(`batches sent right after createTopics are written exactly once, ${ROUNDS} rounds (${label})`, async (bed) => {
      const { topics, sent } = await sendRightAfterCreate(bed, config);
      const read = await readBack(bed, topics, sent.length);
      const extra = read.length - sent.length;
      bed.report(`${bed.options.name ?? bed.options.connector.name} (${label}): ${sent.length} sent, ${read.length} in the log`);
      expect(extra, `${extra} records written more than once`).toBe(0);
      expect([...read].sort()).toEqual([...sent].sort());
    }, { timeout: 180_000 });
  }
});
