// run({ concurrency }) on the memory connector: order per key (by key) and per partition (by
// partition), no two handlers of one key at once, handlers really overlapping, commits that never
// pass an unfinished message, and the option's validation.
import { describe, expect, it } from "vitest";
import type { ConcurrencyConfig, ConsumedMessage } from "../src/index.js";
import { admin, client, closeClientsAfterEach, unique } from "./fixtures/memory-clients.js";

closeClientsAfterEach();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function topicWith(cluster: string, partitions: number, messages: number, keys: number) {
  const topic = unique("conc");
  const a = await admin(cluster);
  (await a.createTopics([{ topic, numPartitions: partitions }]))._unsafeUnwrap();
  const producer = (await client(cluster).getProducer())._unsafeUnwrap();
  (await producer.connect())._unsafeUnwrap();
  const batch = Array.from({ length: messages }, (_, i) => ({ topic, message: { key: `k${i % keys}`, value: String(i) } }));
  const sent = await producer.sendBatch(batch);
  if (sent.isErr()) throw new Error(sent.error.message);
  return { topic, admin: a };
}

async function consume(cluster: string, topic: string, concurrency: ConcurrencyConfig, total: number, handle: (m: ConsumedMessage) => Promise<void>) {
  const groupId = unique("g");
  const consumer = (await client(cluster).getConsumer({ groupId }))._unsafeUnwrap();
  (await consumer.connect())._unsafeUnwrap();
  (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
  let seen = 0;
  (await consumer.run({ concurrency, eachMessage: async (m) => { await handle(m); seen++; } }))._unsafeUnwrap();
  const deadline = Date.now() + 20_000;
  while (seen < total && Date.now() < deadline) await sleep(5);
  return { consumer, groupId, seen: () => seen };
}

describe("memory: run({ concurrency })", () => {
  it("by key: order per key kept, one handler per key at a time, several at once, nothing lost", async () => {
    const cluster = unique("c");
    const { topic } = await topicWith(cluster, 3, 600, 40);
    const inFlight = new Set<string>();
    const lastPerKey = new Map<string, number>();
    let running = 0;
    let most = 0;
    let overlaps = 0;
    let outOfOrder = 0;
    const { seen, consumer } = await consume(cluster, topic, { by: "key", limit: 8 }, 600, async (m) => {
      const key = m.key!.toString();
      if (inFlight.has(key)) overlaps++;
      inFlight.add(key);
      running++;
      most = Math.max(most, running);
      const n = Number(m.value!.toString());
      if ((lastPerKey.get(key) ?? -1) > n) outOfOrder++;
      lastPerKey.set(key, n);
      await sleep(Math.random() * 3);
      running--;
      inFlight.delete(key);
    });
    expect(seen()).toBe(600);
    expect(overlaps).toBe(0);
    expect(outOfOrder).toBe(0);
    expect(most).toBeGreaterThan(3); // more than one per partition at once
    expect(most).toBeLessThanOrEqual(8);
    void (await consumer.disconnect());
  });

  it("by partition: at most limit partitions at once, order per partition kept", async () => {
    const cluster = unique("c");
    const { topic } = await topicWith(cluster, 6, 300, 30);
    const active = new Set<number>();
    const last = new Map<number, bigint>();
    let most = 0;
    let bad = 0;
    const { seen } = await consume(cluster, topic, { by: "partition", limit: 4 }, 300, async (m) => {
      if (active.has(m.partition)) bad++;
      active.add(m.partition);
      most = Math.max(most, active.size);
      if ((last.get(m.partition) ?? -1n) >= BigInt(m.offset)) bad++;
      last.set(m.partition, BigInt(m.offset));
      await sleep(1);
      active.delete(m.partition);
    });
    expect(seen()).toBe(300);
    expect(bad).toBe(0);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });

  it("by key: the committed offset never passes a message still being handled", async () => {
    const cluster = unique("c");
    const { topic, admin: a } = await topicWith(cluster, 1, 50, 10);
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    // Offset 5 (key k5) hangs; everything of other keys after it finishes.
    const { consumer, groupId } = await consume(cluster, topic, { by: "key", limit: 4 }, 45, async (m) => {
      if (m.offset === "5") await stuck;
    });
    await sleep(200);
    const committed = (await a.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap();
    expect(committed.find((o) => o.partition === 0)?.offset).toBe("5");
    release();
    await sleep(200);
    const after = (await a.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap();
    expect(after.find((o) => o.partition === 0)?.offset).toBe("50");
    void (await consumer.disconnect());
  });

  it("refuses bad options with VALIDATION", async () => {
    const cluster = unique("c");
    const { topic } = await topicWith(cluster, 1, 1, 1);
    const consumer = (await client(cluster).getConsumer({ groupId: unique("g") }))._unsafeUnwrap();
    (await consumer.connect())._unsafeUnwrap();
    (await consumer.subscribe({ topics: [topic] }))._unsafeUnwrap();
    const bad: unknown[] = [{ by: "x", limit: 2 }, { by: "key", limit: 0 }, { by: "key", limit: 1.5 }, { by: "partition", limit: 4, maxHeldMessages: 2 }, "eight"];
    for (const concurrency of bad) {
      const r = await consumer.run({ eachMessage: async () => {}, concurrency: concurrency as ConcurrencyConfig });
      expect(r.isErr() && r.error.category).toBe("VALIDATION");
    }
    const batch = await consumer.run({ eachBatch: async () => {}, concurrency: { by: "key", limit: 2 } });
    expect(batch.isErr() && batch.error).toMatchObject({ category: "VALIDATION", context: { field: "concurrency.by" } });
  });
});
