// Memory: the admin's group operations answer as a Kafka broker does: Kafka's state names, members
// with their client ids and round-robin assignments, Dead (NOT_FOUND) for an unknown group,
// deleteGroups removing the group and its offsets.
import { describe, expect, it } from "vitest";
import type { ConsumedMessage, IStreamingConsumer } from "../src/index.js";
import { admin, client as clientOf, closeClientsAfterEach, unique } from "./fixtures/memory-clients.js";

closeClientsAfterEach();
const client = (cluster: string, clientId = unique("client")) => clientOf(cluster, clientId);

/** A consumer subscribed to the topics; `run` is the caller's (so that it can be awaited or not). */
async function subscribed(cluster: string, groupId: string, topics: string[], clientId?: string, fromBeginning = true): Promise<IStreamingConsumer> {
  const consumer = (await client(cluster, clientId).getConsumer({ groupId }))._unsafeUnwrap();
  (await consumer.connect())._unsafeUnwrap();
  (await consumer.subscribe({ topics, fromBeginning }))._unsafeUnwrap();
  return consumer;
}

async function running(cluster: string, groupId: string, topics: string[], clientId?: string): Promise<{ consumer: IStreamingConsumer; received: ConsumedMessage[] }> {
  const consumer = await subscribed(cluster, groupId, topics, clientId);
  const received: ConsumedMessage[] = [];
  (await consumer.run({ eachMessage: (m) => void received.push(m) }))._unsafeUnwrap();
  return { consumer, received };
}

async function producer(cluster: string) {
  const p = (await client(cluster).getProducer())._unsafeUnwrap();
  (await p.connect())._unsafeUnwrap();
  return p;
}

async function setUp(partitions = 4) {
  const cluster = unique("cluster");
  const topic = unique("topic");
  const a = await admin(cluster);
  (await a.createTopics([{ topic, numPartitions: partitions }]))._unsafeUnwrap();
  return { cluster, topic, admin: a };
}

describe("memory admin: describeGroups and listGroups", () => {
  it("shows a running group Stable, protocol roundrobin, its members' client ids, host and round-robin assignments", async () => {
    const { cluster, topic, admin: a } = await setUp(4);
    const groupId = unique("g");
    const first = await running(cluster, groupId, [topic], "client-a");
    const second = await running(cluster, groupId, [topic], "client-b");
    const [group] = (await a.describeGroups([groupId]))._unsafeUnwrap();
    expect(group).toMatchObject({ groupId, state: "Stable", protocolType: "consumer", protocol: "roundrobin" });
    expect(group!.members.map((m) => [m.clientId, m.host])).toEqual([["client-a", "/127.0.0.1"], ["client-b", "/127.0.0.1"]]);
    expect(group!.members[0]!.memberId).toMatch(/^client-a-/);
    // Kafka's RoundRobinAssignor over two members: every other partition.
    expect(group!.members.map((m) => m.assignment)).toEqual([[{ topic, partitions: [0, 2] }], [{ topic, partitions: [1, 3] }]]);
    expect(first.consumer.assignment().map((tp) => tp.partition).sort()).toEqual([0, 2]);
    expect(second.consumer.assignment().map((tp) => tp.partition).sort()).toEqual([1, 3]);
  });

  it("round robin spans topics and skips members not subscribed to a topic", async () => {
    const { cluster, admin: a } = await setUp(1);
    const base = unique("t");
    const [first, second] = [`${base}-a`, `${base}-b`];
    (await a.createTopics([{ topic: first, numPartitions: 3 }, { topic: second, numPartitions: 2 }]))._unsafeUnwrap();
    const groupId = unique("g");
    await running(cluster, groupId, [second], "m1-only-b");
    await running(cluster, groupId, [first, second], "m2-both");
    const [group] = (await a.describeGroups([groupId]))._unsafeUnwrap();
    // Partitions in (topic, partition) order, dealt in member-id order, skipping a member not
    // subscribed: a/0, a/1, a/2 all to m2; then b/0 to m1, b/1 to m2.
    expect(group!.members.map((m) => [m.clientId, m.assignment])).toEqual([
      ["m1-only-b", [{ topic: second, partitions: [0] }]],
      ["m2-both", [{ topic: first, partitions: [0, 1, 2] }, { topic: second, partitions: [1] }]],
    ]);
  });

  it("is PreparingRebalance, with no protocol and empty assignments, while a member finishes its in-flight work", async () => {
    const { cluster, topic, admin: a } = await setUp(2);
    const p = await producer(cluster);
    // On the partition the newcomer will get (round robin: the first member keeps 0), so that
    // the hand-over waits for the handler.
    (await p.send(topic, { value: "v", partition: 1 }))._unsafeUnwrap();
    const groupId = unique("g");
    const busy = await subscribed(cluster, groupId, [topic]);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started = 0;
    (await busy.run({ eachMessage: async () => { started++; await released; } }))._unsafeUnwrap();
    for (let i = 0; i < 100 && started === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const joining = (await subscribed(cluster, groupId, [topic])).run({ eachMessage: () => {} });
    await new Promise((r) => setTimeout(r, 20));
    try {
      const [during] = (await a.describeGroups([groupId]))._unsafeUnwrap();
      expect(during).toMatchObject({ state: "PreparingRebalance", protocol: "" });
      expect(during!.members.map((m) => m.assignment)).toEqual([[], []]);
    } finally {
      release();
    }
    (await joining)._unsafeUnwrap();
    expect((await a.describeGroups([groupId]))._unsafeUnwrap()[0]).toMatchObject({ state: "Stable", protocol: "roundrobin" });
  });

  it("lists running groups Stable, offsets-only groups Empty with no protocol type, and left groups Empty as consumer groups", async () => {
    const { cluster, topic, admin: a } = await setUp(1);
    const [live, offsetsOnly, left, neverRun] = [unique("g1"), unique("g2"), unique("g3"), unique("g4")];
    await running(cluster, live, [topic]);
    (await a.resetOffsets(offsetsOnly, topic, "earliest"))._unsafeUnwrap();
    const leaving = await running(cluster, left, [topic]);
    (await leaving.consumer.disconnect())._unsafeUnwrap();
    await subscribed(cluster, neverRun, [topic]); // made and subscribed, never joined: Kafka does not know it
    const listed = (await a.listGroups())._unsafeUnwrap();
    expect(listed).toEqual(
      [
        { groupId: live, state: "Stable", protocolType: "consumer" },
        { groupId: offsetsOnly, state: "Empty", protocolType: "" },
        { groupId: left, state: "Empty", protocolType: "consumer" },
      ].sort((x, y) => x.groupId.localeCompare(y.groupId)),
    );
    expect((await a.describeGroups([left]))._unsafeUnwrap()[0]).toEqual({ groupId: left, state: "Empty", protocolType: "consumer", protocol: "", members: [] });
    expect((await a.describeGroups([neverRun]))._unsafeUnwrapErr()).toMatchObject({ category: "NOT_FOUND", code: "GROUP_ID_NOT_FOUND" });
  });
});

describe("memory admin: deleteGroups", () => {
  it("removes an empty group and its committed offsets; a new member then starts as a new group does", async () => {
    const { cluster, topic, admin: a } = await setUp(1);
    const p = await producer(cluster);
    (await p.sendBatch([0, 1, 2].map((i) => ({ topic, message: { value: `v${i}` } }))))._unsafeUnwrap();
    const groupId = unique("g");
    const first = await running(cluster, groupId, [topic]);
    for (let i = 0; i < 200 && first.received.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    (await first.consumer.disconnect())._unsafeUnwrap();
    expect((await a.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap()).toEqual([{ topic, partition: 0, offset: "3" }]);
    (await a.deleteGroups([groupId]))._unsafeUnwrap();
    expect((await a.describeGroups([groupId]))._unsafeUnwrapErr().code).toBe("GROUP_ID_NOT_FOUND");
    expect((await a.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap()).toEqual([]);
    expect((await a.listGroups())._unsafeUnwrap().map((g) => g.groupId)).not.toContain(groupId);
    // No committed offset any more: fromBeginning applies again.
    const again = await running(cluster, groupId, [topic]);
    for (let i = 0; i < 200 && again.received.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(again.received.map((m) => m.offset)).toEqual(["0", "1", "2"]);
  });

  it("refuses a group with members (CONFLICT / NON_EMPTY_GROUP) and deletes nothing", async () => {
    const { cluster, topic, admin: a } = await setUp(1);
    const [busy, idle] = [unique("g"), unique("g")];
    (await a.resetOffsets(idle, topic, "earliest"))._unsafeUnwrap();
    await running(cluster, busy, [topic]);
    expect((await a.deleteGroups([idle, busy]))._unsafeUnwrapErr()).toMatchObject({ category: "CONFLICT", code: "NON_EMPTY_GROUP" });
    expect((await a.describeGroups([idle, busy]))._unsafeUnwrap().map((g) => g.state)).toEqual(["Empty", "Stable"]);
  });
});
