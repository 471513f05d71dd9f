// Memory: the admin's offset, topic and cluster operations answer as a Kafka broker does: log
// start and high watermark, offsets by time, deleteRecords (and a consumer's reset past deleted
// records), createPartitions, topic configs with Kafka's defaults and checks, describeCluster.
import { describe, expect, it } from "vitest";
import { resetMemoryCluster, type ConsumedMessage } from "../src/index.js";
import { admin, client, closeClientsAfterEach, unique } from "./fixtures/memory-clients.js";

closeClientsAfterEach();

async function producer(cluster: string) {
  const p = (await client(cluster).getProducer())._unsafeUnwrap();
  (await p.connect())._unsafeUnwrap();
  return p;
}

async function consume(cluster: string, groupId: string, topic: string, fromBeginning: boolean): Promise<ConsumedMessage[]> {
  const consumer = (await client(cluster).getConsumer({ groupId }))._unsafeUnwrap();
  (await consumer.connect())._unsafeUnwrap();
  (await consumer.subscribe({ topics: [topic], fromBeginning }))._unsafeUnwrap();
  const received: ConsumedMessage[] = [];
  (await consumer.run({ eachMessage: (m) => void received.push(m) }))._unsafeUnwrap();
  return received;
}

const settle = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !predicate(); i++) await settle(5);
}

/** A cluster with a topic of `partitions` partitions and `perPartition` messages on each. */
async function setUp(partitions: number, perPartition: number, configs: Record<string, string> = {}) {
  const cluster = unique("cluster");
  const topic = unique("topic");
  const a = await admin(cluster);
  (await a.createTopics([{ topic, numPartitions: partitions, configs }]))._unsafeUnwrap();
  const p = await producer(cluster);
  const batch = Array.from({ length: partitions * perPartition }, (_, i) => ({ topic, message: { value: `v${i}`, partition: i % partitions } }));
  if (batch.length > 0) (await p.sendBatch(batch))._unsafeUnwrap();
  return { cluster, topic, admin: a, producer: p };
}

describe("memory admin: offsets and deleteRecords", () => {
  it("fetchTopicOffsets gives the log start and the high watermark; deleteRecords raises the log start only", async () => {
    const { topic, admin: a } = await setUp(3, 4);
    expect((await a.fetchTopicOffsets(topic))._unsafeUnwrap().map((o) => [o.earliest, o.latest])).toEqual([["0", "4"], ["0", "4"], ["0", "4"]]);
    (await a.deleteRecords(topic, [{ partition: 0, offset: "3" }, { partition: 1, offset: "-1" }]))._unsafeUnwrap();
    // A lower offset than the log start changes nothing, as in Kafka.
    (await a.deleteRecords(topic, [{ partition: 0, offset: "1" }]))._unsafeUnwrap();
    expect((await a.fetchTopicOffsets(topic))._unsafeUnwrap()).toEqual([
      { partition: 0, earliest: "3", latest: "4" },
      { partition: 1, earliest: "4", latest: "4" },
      { partition: 2, earliest: "0", latest: "4" },
    ]);
  });

  it("a new group from the beginning starts at the log start; offsets keep counting after it", async () => {
    const { cluster, topic, admin: a, producer: p } = await setUp(1, 5);
    (await a.deleteRecords(topic, [{ partition: 0, offset: "3" }]))._unsafeUnwrap();
    expect((await p.send(topic, { value: "late" }))._unsafeUnwrap().offset).toBe("5");
    const received = await consume(cluster, unique("g"), topic, true);
    await until(() => received.length >= 3);
    await settle();
    expect(received.map((m) => m.offset)).toEqual(["3", "4", "5"]);
  });

  it("a committed offset before the log start is out of range: reset to the log start (fromBeginning) or to the end", async () => {
    const { cluster, topic, admin: a, producer: p } = await setUp(1, 6);
    const [early, late] = [unique("g"), unique("g")];
    for (const g of [early, late]) (await a.resetOffsets(g, topic, [{ partition: 0, offset: "1" }]))._unsafeUnwrap();
    (await a.deleteRecords(topic, [{ partition: 0, offset: "4" }]))._unsafeUnwrap();
    const fromStart = await consume(cluster, early, topic, true);
    const fromEnd = await consume(cluster, late, topic, false);
    (await p.send(topic, { value: "new" }))._unsafeUnwrap();
    await until(() => fromStart.length >= 3 && fromEnd.length >= 1);
    await settle();
    expect(fromStart.map((m) => m.offset)).toEqual(["4", "5", "6"]);
    expect(fromEnd.map((m) => m.offset)).toEqual(["6"]);
  });

  it("a running consumer behind the new log start moves to it", async () => {
    const { cluster, topic, admin: a, producer: p } = await setUp(1, 0);
    const groupId = unique("g");
    const consumer = (await client(cluster).getConsumer({ groupId }))._unsafeUnwrap();
    (await consumer.connect())._unsafeUnwrap();
    (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    const received: ConsumedMessage[] = [];
    (await consumer.run({ eachMessage: (m) => void received.push(m) }))._unsafeUnwrap();
    (await consumer.pause([{ topic, partition: 0 }]))._unsafeUnwrap();
    (await p.sendBatch([0, 1, 2, 3].map((i) => ({ topic, message: { value: `v${i}` } }))))._unsafeUnwrap();
    (await a.deleteRecords(topic, [{ partition: 0, offset: "2" }]))._unsafeUnwrap();
    (await consumer.resume([{ topic, partition: 0 }]))._unsafeUnwrap();
    await until(() => received.length >= 2);
    await settle();
    expect(received.map((m) => m.offset)).toEqual(["2", "3"]);
  });

  it("deleteRecords on a compacted topic is refused (POLICY_VIOLATION), as by Kafka", async () => {
    const { topic, admin: a } = await setUp(1, 2, { "cleanup.policy": "compact" });
    expect((await a.deleteRecords(topic, [{ partition: 0, offset: "1" }]))._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", code: "POLICY_VIOLATION", context: { kafkaErrorCode: 44 } });
  });

  it("fetchTopicOffsetsByTimestamp finds the first held message at or after the time, else the latest", async () => {
    const cluster = unique("cluster");
    const topic = unique("topic");
    const a = await admin(cluster);
    (await a.createTopics([{ topic, numPartitions: 2 }]))._unsafeUnwrap();
    const p = await producer(cluster);
    const base = Date.now() - 60_000;
    // Out of order on purpose: the first message at or after the time, not a bisection.
    const times = [0, 10, 5, 20, 30].map((s) => new Date(base + s * 1000));
    for (const timestamp of times) (await p.send(topic, { value: "v", partition: 0, timestamp }))._unsafeUnwrap();
    const at = async (s: number) => (await a.fetchTopicOffsetsByTimestamp(topic, base + s * 1000))._unsafeUnwrap();
    expect(await at(4)).toEqual([{ partition: 0, offset: "1" }, { partition: 1, offset: "0" }]);
    expect(await at(20)).toEqual([{ partition: 0, offset: "3" }, { partition: 1, offset: "0" }]);
    expect(await at(31)).toEqual([{ partition: 0, offset: "5" }, { partition: 1, offset: "0" }]);
    (await a.deleteRecords(topic, [{ partition: 0, offset: "3" }]))._unsafeUnwrap();
    expect(await at(0), "deleted records are not found").toEqual([{ partition: 0, offset: "3" }, { partition: 1, offset: "0" }]);
  });
});

describe("memory admin: createPartitions", () => {
  it("adds empty partitions that take messages and are assigned to the group's members", async () => {
    const { cluster, topic, admin: a, producer: p } = await setUp(1, 2);
    const received = await consume(cluster, unique("g"), topic, true);
    (await a.createPartitions(topic, 3))._unsafeUnwrap();
    expect((await a.fetchTopicOffsets(topic))._unsafeUnwrap()).toEqual([
      { partition: 0, earliest: "0", latest: "2" },
      { partition: 1, earliest: "0", latest: "0" },
      { partition: 2, earliest: "0", latest: "0" },
    ]);
    expect((await p.send(topic, { value: "new", partition: 2 }))._unsafeUnwrap()).toMatchObject({ partition: 2, offset: "0" });
    // A new producer routes keys over the three partitions.
    const fresh = await producer(cluster);
    const keyed = (await fresh.sendBatch(Array.from({ length: 30 }, (_, i) => ({ topic, message: { key: `k${i}`, value: "v" } }))))._unsafeUnwrap();
    expect(new Set(keyed.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
    await until(() => received.length >= 33);
    expect(received.filter((m) => m.partition === 2).length).toBeGreaterThan(1);
  });
});

describe("memory admin: describeConfigs and alterConfigs", () => {
  it("lists Kafka's topic configs: the topic's own values, the defaults marked isDefault", async () => {
    const { topic, admin: a } = await setUp(1, 0, { "retention.ms": "3600000" });
    const entries = (await a.describeConfigs(topic))._unsafeUnwrap();
    const entry = (name: string) => entries.find((e) => e.name === name);
    expect(entry("retention.ms")).toEqual({ name: "retention.ms", value: "3600000", isDefault: false, readOnly: false, sensitive: false });
    expect(entry("cleanup.policy")).toEqual({ name: "cleanup.policy", value: "delete", isDefault: true, readOnly: false, sensitive: false });
    expect(entry("max.message.bytes")).toMatchObject({ value: "1048588", isDefault: true });
    expect(entry("segment.bytes")).toMatchObject({ value: "1073741824", isDefault: true });
    expect(entries.length).toBeGreaterThan(30);
  });

  it("alterConfigs sets the keys given, keeps the others, and takes effect (max.message.bytes)", async () => {
    const { topic, admin: a, producer: p } = await setUp(1, 0, { "retention.ms": "3600000" });
    (await a.alterConfigs(topic, { "max.message.bytes": "1024" }))._unsafeUnwrap();
    const entries = (await a.describeConfigs(topic))._unsafeUnwrap();
    expect(entries.filter((e) => !e.isDefault).map((e) => [e.name, e.value])).toEqual([["max.message.bytes", "1024"], ["retention.ms", "3600000"]]);
    expect((await p.send(topic, { value: Buffer.alloc(2000) }))._unsafeUnwrapErr()).toMatchObject({ code: "MESSAGE_TOO_LARGE" });
  });

  it("refuses what a broker refuses: an unknown name, a value of the wrong type or out of range (INVALID_CONFIG)", async () => {
    const { topic, admin: a } = await setUp(1, 0);
    const refused = async (configs: Record<string, string>) => (await a.alterConfigs(topic, configs))._unsafeUnwrapErr();
    expect(await refused({ "no.such.config": "1" })).toMatchObject({ category: "VALIDATION", code: "INVALID_CONFIG", message: "Unknown topic config name: no.such.config", context: { kafkaErrorCode: 40 } });
    expect((await refused({ "retention.ms": "abc" })).message).toBe("Invalid value abc for configuration retention.ms: Not a number of type LONG");
    expect((await refused({ "retention.ms": "-5" })).message).toBe("Invalid value -5 for configuration retention.ms: Value must be at least -1");
    expect((await refused({ "cleanup.policy": "compact,foo" })).code).toBe("INVALID_CONFIG");
    expect((await refused({ "min.cleanable.dirty.ratio": "1.5" })).code).toBe("INVALID_CONFIG");
    expect((await refused({ "max.message.bytes": "99999999999" })).code).toBe("INVALID_CONFIG");
    expect((await refused({ "preallocate": "yes" })).code).toBe("INVALID_CONFIG");
    expect((await refused({ "compression.gzip.level": "0" })).message).toBe("Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1");
    expect((await refused({ "compression.lz4.level": "18" })).message).toBe("Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17");
    expect((await refused({ "cleanup.policy": "delete," })).message).toBe("Configuration 'cleanup.policy' values must not be empty.");
    // A refusal sets nothing, not even the valid keys beside it.
    expect((await refused({ "retention.ms": "1000", "segment.bytes": "10" })).code).toBe("INVALID_CONFIG");
    expect((await a.describeConfigs(topic))._unsafeUnwrap().filter((e) => !e.isDefault)).toEqual([]);
    (await a.alterConfigs(topic, { "cleanup.policy": "compact, delete", "preallocate": "TRUE", "min.cleanable.dirty.ratio": ".5", "compression.gzip.level": "-1", "retention.ms": " 100 " }))._unsafeUnwrap();
    const created = unique("topic");
    expect((await a.createTopics([{ topic: created, configs: { "retention.mss": "1" } }]))._unsafeUnwrapErr()).toMatchObject({ code: "INVALID_CONFIG" });
    expect((await a.listTopics())._unsafeUnwrap()).not.toContain(created);
  });
});

describe("memory admin: describeCluster", () => {
  it("one broker, the controller, and a cluster id fixed by the cluster's name", async () => {
    const name = unique("cluster");
    const described = (await (await admin(name)).describeCluster())._unsafeUnwrap();
    expect(described).toEqual({ clusterId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), controller: 0, brokers: [{ nodeId: 0, host: "memory", port: 0 }] });
    expect((await (await admin(name)).describeCluster())._unsafeUnwrap().clusterId, "the same for every client").toBe(described.clusterId);
    resetMemoryCluster(name);
    expect((await (await admin(name)).describeCluster())._unsafeUnwrap().clusterId, "and after a reset").toBe(described.clusterId);
    expect((await (await admin(unique("other"))).describeCluster())._unsafeUnwrap().clusterId, "another cluster, another id").not.toBe(described.clusterId);
  });
});
