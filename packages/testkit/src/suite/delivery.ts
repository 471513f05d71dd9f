/**
 * Delivery: each message written once. A batch sent right after its topics were created (when
 * brokers still answer "not the leader" for some partitions) must land in the log exactly once:
 * a client that resends a whole request after one partition failed writes the others twice.
 * Counted from the broker, by reading every partition back from the beginning.
 */
import type { ProducerConfig } from "@qi/streaming";
import { expect } from "vitest";
import { must, sleep, valuesOf, type TestBed } from "./bed.js";
import { defineGroup } from "./group.js";

const ROUNDS = 20;
const TOPICS_PER_ROUND = 3;
const PARTITIONS = 3;
const PER_TOPIC = 30;

/** Creates fresh topics and at once sends one batch over all of their partitions, ROUNDS times; returns what was sent. */
async function sendRightAfterCreate(bed: TestBed, config: ProducerConfig | undefined): Promise<{ topics: string[]; sent: string[] }> {
  const admin = await bed.admin();
  const producer = await bed.producer(config);
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
  const { received } = await bed.consumer(topics, { groupId: bed.name("once-reader") });
  await bed.waitFor(() => received.length >= expected, `${expected} messages read back`, 60_000);
  await sleep(bed.t(1500));
  return valuesOf(received);
}

const IN_FLIGHT = 10_000;
const FLOOD = 30_000;

export const deliveryTests = defineGroup("delivery", ({ test }) => {
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

  for (const [label, config] of [
    ["the default producer", undefined],
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
