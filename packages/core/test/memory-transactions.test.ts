// Memory: transactions as Kafka's coordinator runs them (atomic visibility, abort, isolation,
// fencing by a newer producer of the id, offsets committed with the transaction, the timeout),
// and exactly-once run(), so users' unit tests can rely on them without a broker.
import { describe, expect, it } from "vitest";
import { createStreamingClient, silentLogger, type ConsumedMessage, type IStreamingConnector, type IsolationLevel } from "../src/index.js";
import { memoryConnector } from "../src/connector-kit.js";
import { admin as adminOf, client, closeClientsAfterEach, unique } from "./fixtures/memory-clients.js";

closeClientsAfterEach();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(partitions = 3) {
  const cluster = unique("c");
  const topic = unique("t");
  const admin = await adminOf(cluster);
  (await admin.createTopics([{ topic, numPartitions: partitions }]))._unsafeUnwrap();
  return { cluster, topic, admin };
}

async function txProducer(cluster: string, transactionalId: string, transactionTimeoutMs?: number) {
  const p = (await client(cluster).getProducer({ transactionalId, ...(transactionTimeoutMs ? { transactionTimeoutMs } : {}) }))._unsafeUnwrap();
  (await p.connect())._unsafeUnwrap();
  return p;
}

/** A consumer from the beginning that collects what it reads. */
async function reader(cluster: string, topic: string, isolationLevel?: IsolationLevel) {
  const consumer = (await client(cluster).getConsumer({ groupId: unique("g"), ...(isolationLevel ? { isolationLevel } : {}) }))._unsafeUnwrap();
  (await consumer.connect())._unsafeUnwrap();
  (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
  const received: ConsumedMessage[] = [];
  (await consumer.run({ eachMessage: (m) => void received.push(m) }))._unsafeUnwrap();
  return received;
}

const values = (ms: readonly ConsumedMessage[]) => ms.map((m) => m.value?.toString()).sort();

describe("memory transactions", () => {
  it("a committed transaction's records appear at once to read_committed, none before the commit", async () => {
    const { cluster, topic } = await setup();
    const p = await txProducer(cluster, unique("tx"));
    const committed = await reader(cluster, topic, "read_committed");
    const tx = (await p.transaction())._unsafeUnwrap();
    for (let i = 0; i < 9; i++) (await tx.send(topic, { key: `k${i}`, value: `v${i}` }))._unsafeUnwrap();
    await sleep(30);
    expect(committed).toHaveLength(0);
    (await tx.commit())._unsafeUnwrap();
    await sleep(30);
    expect(values(committed)).toEqual(Array.from({ length: 9 }, (_, i) => `v${i}`).sort());
  });

  it("an aborted transaction is never seen by read_committed and is seen by read_uncommitted (the default); later records are seen by both", async () => {
    const { cluster, topic } = await setup(1);
    const p = await txProducer(cluster, unique("tx"));
    const committed = await reader(cluster, topic, "read_committed");
    const uncommitted = await reader(cluster, topic);
    const aborted = (await p.transaction())._unsafeUnwrap();
    (await aborted.sendBatch([{ topic, message: { value: "a1" } }, { topic, message: { value: "a2" } }]))._unsafeUnwrap();
    (await aborted.abort())._unsafeUnwrap();
    const next = (await p.transaction())._unsafeUnwrap();
    (await next.send(topic, { value: "c1" }))._unsafeUnwrap();
    (await next.commit())._unsafeUnwrap();
    await sleep(30);
    expect(values(committed)).toEqual(["c1"]);
    expect(values(uncommitted)).toEqual(["a1", "a2", "c1"]);
  });

  it("sendOffsets commits the group's offsets only when the transaction commits", async () => {
    const { cluster, topic, admin } = await setup(2);
    const p = await txProducer(cluster, unique("tx"));
    const groupId = unique("g");
    const offsets = [{ topic, partition: 0, offset: "5" }, { topic, partition: 1, offset: "7" }];
    const aborted = (await p.transaction())._unsafeUnwrap();
    (await aborted.sendOffsets({ groupId, offsets }))._unsafeUnwrap();
    (await aborted.abort())._unsafeUnwrap();
    expect((await admin.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap().filter((o) => o.offset !== "-1")).toEqual([]);
    const committed = (await p.transaction())._unsafeUnwrap();
    (await committed.sendOffsets({ groupId, offsets }))._unsafeUnwrap();
    (await committed.commit())._unsafeUnwrap();
    expect((await admin.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap()).toEqual(offsets);
  });

  it("a newer producer of the id fences the older: PRODUCER_FENCED, and the fenced transaction never becomes visible", async () => {
    const { cluster, topic } = await setup(1);
    const id = unique("tx");
    const committed = await reader(cluster, topic, "read_committed");
    const older = await txProducer(cluster, id);
    const tx = (await older.transaction())._unsafeUnwrap();
    (await tx.send(topic, { value: "old" }))._unsafeUnwrap();
    const newer = await txProducer(cluster, id);
    const late = await tx.send(topic, { value: "old2" });
    expect(late._unsafeUnwrapErr()).toMatchObject({ code: "PRODUCER_FENCED", category: "STATE" });
    expect((await tx.commit())._unsafeUnwrapErr().code).toBe("PRODUCER_FENCED");
    expect((await older.transaction())._unsafeUnwrapErr().code).toBe("PRODUCER_FENCED");
    const own = (await newer.transaction())._unsafeUnwrap();
    (await own.send(topic, { value: "new" }))._unsafeUnwrap();
    (await own.commit())._unsafeUnwrap();
    await sleep(30);
    expect(values(committed)).toEqual(["new"]);
  });

  it("a fenced producer that connects again registers its id anew: it works, and the other one is fenced in turn", async () => {
    const { cluster, topic } = await setup(1);
    const id = unique("tx");
    const first = await txProducer(cluster, id);
    const second = await txProducer(cluster, id);
    expect((await first.transaction())._unsafeUnwrapErr().code).toBe("PRODUCER_FENCED");
    (await first.disconnect())._unsafeUnwrap();
    (await first.connect())._unsafeUnwrap();
    const tx = (await first.transaction())._unsafeUnwrap();
    (await tx.send(topic, { value: "back" }))._unsafeUnwrap();
    (await tx.commit())._unsafeUnwrap();
    expect((await second.transaction())._unsafeUnwrapErr().code).toBe("PRODUCER_FENCED");
  });

  it("commit waits for every sendOffsets in progress, not only the last one", async () => {
    const cluster = unique("c");
    const calls: string[] = [];
    let delay = 80;
    // The memory connector, its sendOffsets answering late (the first call the latest).
    const slow: IStreamingConnector = {
      ...memoryConnector,
      name: "slow-offsets",
      createProducer(context, config) {
        const inner = memoryConnector.createProducer(context, config);
        const tx = inner.transactions!;
        return {
          connect: () => inner.connect(),
          partitionCount: (topic) => inner.partitionCount(topic),
          send: (records) => inner.send(records),
          flush: () => inner.flush(),
          disconnect: () => inner.disconnect(),
          native: () => inner.native(),
          transactions: {
            begin: () => tx.begin(),
            sendOffsets: async (groupId, offsets, consumer) => {
              const ms = (delay -= 40);
              await sleep(ms + 40);
              await tx.sendOffsets(groupId, offsets, consumer);
              calls.push(`offsets ${offsets[0]!.offset}`);
            },
            commit: async () => {
              calls.push("commit");
              await tx.commit();
            },
            abort: () => tx.abort(),
          },
        };
      },
    };
    const c = createStreamingClient({ logger: silentLogger, connector: slow, options: { cluster } })._unsafeUnwrap();
    const p = (await c.getProducer({ transactionalId: unique("tx") }))._unsafeUnwrap();
    (await p.connect())._unsafeUnwrap();
    const tx = (await p.transaction())._unsafeUnwrap();
    const first = tx.sendOffsets({ groupId: "g", offsets: [{ topic: "t", partition: 0, offset: "1" }] });
    const second = tx.sendOffsets({ groupId: "g", offsets: [{ topic: "t", partition: 1, offset: "2" }] });
    (await tx.commit())._unsafeUnwrap();
    expect(calls).toEqual(["offsets 2", "offsets 1", "commit"]);
    (await first)._unsafeUnwrap();
    (await second)._unsafeUnwrap();
    (await c.disconnect())._unsafeUnwrap();
  });

  it("a transactionalId without client retries is a VALIDATION error (its writes are idempotent)", async () => {
    const c = createStreamingClient({ logger: silentLogger, retry: { retries: 0 }, options: { cluster: unique("c") } })._unsafeUnwrap();
    const refused = await c.getProducer({ transactionalId: "x" });
    expect(refused._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "producer.transactionalId" } });
    (await c.disconnect())._unsafeUnwrap();
  });

  it("the coordinator aborts a transaction open past transactionTimeoutMs; its commit then fails", async () => {
    const { cluster, topic } = await setup(1);
    const p = await txProducer(cluster, unique("tx"), 50);
    const committed = await reader(cluster, topic, "read_committed");
    const tx = (await p.transaction())._unsafeUnwrap();
    (await tx.send(topic, { value: "slow" }))._unsafeUnwrap();
    await sleep(120);
    expect((await tx.commit()).isErr()).toBe(true);
    const next = (await p.transaction())._unsafeUnwrap();
    (await next.send(topic, { value: "fast" }))._unsafeUnwrap();
    (await next.commit())._unsafeUnwrap();
    await sleep(30);
    expect(values(committed)).toEqual(["fast"]);
  });

  it("STATE errors: a closed transaction, a second one open, a plain send on a transactional producer, transaction() on a plain producer", async () => {
    const { cluster, topic } = await setup(1);
    const p = await txProducer(cluster, unique("tx"));
    const tx = (await p.transaction())._unsafeUnwrap();
    expect((await p.transaction())._unsafeUnwrapErr().code).toBe("TRANSACTION_IN_PROGRESS");
    expect((await p.send(topic, { value: "x" }))._unsafeUnwrapErr().code).toBe("NOT_IN_TRANSACTION");
    (await tx.commit())._unsafeUnwrap();
    expect((await tx.send(topic, { value: "x" }))._unsafeUnwrapErr()).toMatchObject({ code: "TRANSACTION_CLOSED", category: "STATE" });
    expect((await tx.commit())._unsafeUnwrapErr().code).toBe("TRANSACTION_CLOSED");
    expect((await tx.sendOffsets({ groupId: "g", offsets: [] }))._unsafeUnwrapErr().code).toBe("TRANSACTION_CLOSED");
    const plain = (await client(cluster).getProducer())._unsafeUnwrap();
    (await plain.connect())._unsafeUnwrap();
    expect((await plain.transaction())._unsafeUnwrapErr().code).toBe("NOT_TRANSACTIONAL");
    const open = (await p.transaction())._unsafeUnwrap();
    for (const bad of [undefined, null, 5, {}, { groupId: "" }, { groupId: "g", offsets: "x" }, { consumer: {}, offsets: [] }, { groupId: "g", offsets: [{ topic, partition: -1, offset: "1" }] }]) {
      expect((await open.sendOffsets(bad as never))._unsafeUnwrapErr().category).toBe("VALIDATION");
    }
    const refused = await client(cluster).getProducer({ transactionalId: "x", acks: 1 });
    expect(refused._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "producer.transactionalId" } });
  });

  it("exactly-once run(): a handler that fails at random after sending output leaves every input once in the read_committed output, in order per key", async () => {
    const { cluster, topic: input, admin } = await setup(3);
    const output = unique("out");
    (await admin.createTopics([{ topic: output, numPartitions: 3 }]))._unsafeUnwrap();
    const feed = (await client(cluster).getProducer())._unsafeUnwrap();
    (await feed.connect())._unsafeUnwrap();
    const n = 600;
    (await feed.sendBatch(Array.from({ length: n }, (_, i) => ({ topic: input, message: { key: `k${i % 17}`, value: String(i) } }))))._unsafeUnwrap();
    const out = await reader(cluster, output, "read_committed");
    const producer = await txProducer(cluster, unique("tx"));
    const groupId = unique("g");
    const consumer = (await client(cluster).getConsumer({ groupId, maxBatchSize: 25, retry: { attempts: 20, initialBackoffMs: 1, maxBackoffMs: 2 } }))._unsafeUnwrap();
    (await consumer.connect())._unsafeUnwrap();
    (await consumer.subscribe({ topics: [input], fromBeginning: true }))._unsafeUnwrap();
    let failures = 0;
    (await consumer.run({
      exactlyOnce: { producer },
      eachMessage: async (m, { transaction }) => {
        (await transaction!.send(output, { key: m.key, value: `out-${m.value!.toString()}` }))._unsafeUnwrap();
        if (Math.random() < 0.05) {
          failures++;
          throw new Error("flaky handler");
        }
      },
    }))._unsafeUnwrap();
    for (let i = 0; i < 200 && out.length < n; i++) await sleep(20);
    await sleep(50);
    expect(failures).toBeGreaterThan(0);
    expect(out).toHaveLength(n);
    expect(values(out)).toEqual(Array.from({ length: n }, (_, i) => `out-${i}`).sort());
    const byKey = new Map<string, number[]>();
    for (const m of out) byKey.set(m.key!.toString(), [...(byKey.get(m.key!.toString()) ?? []), Number(m.value!.toString().slice(4))]);
    for (const seq of byKey.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
    const committed = (await admin.fetchCommittedOffsets(groupId, input))._unsafeUnwrap();
    const ends = (await admin.fetchTopicOffsets(input))._unsafeUnwrap();
    expect(committed.map((o) => o.offset)).toEqual(ends.map((o) => o.latest));
  });

  it("run({ exactlyOnce }) refuses a producer without a transactionalId", async () => {
    const { cluster, topic } = await setup(1);
    const plain = (await client(cluster).getProducer())._unsafeUnwrap();
    const consumer = (await client(cluster).getConsumer({ groupId: unique("g") }))._unsafeUnwrap();
    (await consumer.connect())._unsafeUnwrap();
    (await consumer.subscribe({ topics: [topic] }))._unsafeUnwrap();
    const r = await consumer.run({ exactlyOnce: { producer: plain }, eachMessage: () => undefined });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "exactlyOnce.producer" } });
  });
});
