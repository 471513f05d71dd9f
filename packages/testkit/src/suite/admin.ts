/** Admin: topics are created, listed, described and deleted; errors are CONFLICT and NOT_FOUND. */
import { expect } from "vitest";
import { must, mustFail, offsetsOf } from "./bed.js";
import { defineGroup } from "./group.js";

export const adminTests = defineGroup("admin", ({ test, caps }) => {
  test("creates, lists, describes and deletes topics", async (bed) => {
    const admin = await bed.admin();
    const [a, b] = [bed.name("topic"), bed.name("topic")];
    must(await admin.createTopics([{ topic: a, numPartitions: 3 }, { topic: b }]));
    const listed = must(await admin.listTopics());
    expect(listed).toEqual(expect.arrayContaining([a, b]));
    expect(listed.filter((t) => t.startsWith("__")), "no internal topic").toEqual([]);
    expect(listed, "sorted").toEqual([...listed].sort());
    const meta = must(await admin.getTopicMetadata([a, b]));
    expect(meta.map((m) => [m.name, m.partitions.length])).toEqual([[a, 3], [b, 1]]);
    expect(meta[0]!.partitions.map((p) => p.partitionId), "partitions in id order").toEqual([0, 1, 2]);
    must(await admin.deleteTopics([a]));
    const after = must(await admin.listTopics());
    expect(after).not.toContain(a);
    expect(after).toContain(b);
  });

  test("creating an existing topic is CONFLICT / TOPIC_ALREADY_EXISTS", async (bed) => {
    const topic = await bed.topic();
    const admin = await bed.admin();
    expect(mustFail(await admin.createTopics([{ topic }]))).toMatchObject({ category: "CONFLICT", code: "TOPIC_ALREADY_EXISTS" });
  });

  test("deleting a missing topic is NOT_FOUND", async (bed) => {
    const admin = await bed.admin();
    expect(mustFail(await admin.deleteTopics([bed.name("missing")])).category).toBe("NOT_FOUND");
  });

  test("describing a missing topic is NOT_FOUND", async (bed) => {
    const admin = await bed.admin();
    expect(mustFail(await admin.getTopicMetadata([bed.name("missing")])).category).toBe("NOT_FOUND");
  });

  test("fetchCommittedOffsets matches what was committed", async (bed) => {
    const topic = await bed.topic(3);
    const other = await bed.topic(1);
    const groupId = bed.name("g");
    const { consumer } = await bed.consumer([topic, other], { groupId, autoCommit: false });
    const offsets = [
      { topic, partition: 0, offset: "3" },
      { topic, partition: 2, offset: "7" },
    ];
    must(await consumer.commitOffsets([...offsets, { topic: other, partition: 0, offset: "5" }]));
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic)), "only the topic asked for").toEqual(offsets);
    expect(must(await admin.fetchCommittedOffsets(groupId))).toEqual([...offsets, { topic: other, partition: 0, offset: "5" }].sort((x, y) => x.topic.localeCompare(y.topic) || x.partition - y.partition));
    expect(must(await admin.fetchCommittedOffsets(bed.name("no-such-group"), topic))).toEqual([]);
  });

  test("createPartitions raises the count to the total given, and the new partitions take messages", async (bed) => {
    const topic = await bed.topic(1);
    const admin = await bed.admin();
    must(await admin.createPartitions(topic, 3));
    expect(must(await admin.getTopicMetadata([topic]))[0]!.partitions.map((p) => p.partitionId)).toEqual([0, 1, 2]);
    await bed.produce(topic, 2, (i) => ({ value: `v${i}`, partition: 2 }));
    expect(must(await admin.fetchTopicOffsets(topic)).map((o) => o.latest), "read back from the broker").toEqual(["0", "0", "2"]);
    expect(mustFail(await admin.createPartitions(topic, 3)), "not above the current count").toMatchObject({ category: "VALIDATION", context: { field: "count" } });
    expect(mustFail(await admin.createPartitions(topic, 0))).toMatchObject({ category: "VALIDATION", context: { field: "count" } });
    expect(mustFail(await admin.createPartitions(bed.name("missing"), 2))).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
  });

  test("deleteRecords moves the earliest offset, and a consumer from the beginning starts there", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 10, (i) => ({ value: `v${i}`, partition: 0 }));
    await bed.produce(topic, 3, (i) => ({ value: `w${i}`, partition: 1 }));
    const admin = await bed.admin();
    must(await admin.deleteRecords(topic, [{ partition: 0, offset: "4" }, { partition: 1, offset: "-1" }]));
    expect(must(await admin.fetchTopicOffsets(topic))).toEqual([
      { partition: 0, earliest: "4", latest: "10" },
      { partition: 1, earliest: "3", latest: "3" },
    ]);
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 6, "the 6 messages left");
    expect(offsetsOf(received, 0)).toEqual(["4", "5", "6", "7", "8", "9"]);
    expect(offsetsOf(received, 1)).toEqual([]);
    expect(mustFail(await admin.deleteRecords(topic, [{ partition: 0, offset: "11" }])), "past the latest offset").toMatchObject({ category: "VALIDATION", context: { field: "before" } });
    expect(mustFail(await admin.deleteRecords(topic, [{ partition: 0, offset: -2 as never }]))).toMatchObject({ category: "VALIDATION", context: { field: "before[0].offset" } });
  }, { timeout: 60_000 });

  test("describeConfigs shows a topic's own and default entries; alterConfigs sets the keys given and keeps the others", async (bed) => {
    const topic = bed.name("topic");
    const admin = await bed.admin();
    must(await admin.createTopics([{ topic, configs: { "retention.ms": "3600000", "max.message.bytes": "2000000" } }]));
    const entry = (entries: readonly { name: string }[], name: string) => entries.find((e) => e.name === name);
    const before = must(await admin.describeConfigs(topic));
    expect(before.map((e) => e.name), "sorted by name").toEqual([...before.map((e) => e.name)].sort());
    expect(entry(before, "retention.ms")).toMatchObject({ value: "3600000", isDefault: false, sensitive: false });
    expect(entry(before, "cleanup.policy")).toMatchObject({ value: "delete", isDefault: true });
    must(await admin.alterConfigs(topic, { "retention.ms": "7200000" }));
    const after = must(await admin.describeConfigs(topic));
    expect(entry(after, "retention.ms")).toMatchObject({ value: "7200000", isDefault: false });
    expect(entry(after, "max.message.bytes"), "an entry not given is kept").toMatchObject({ value: "2000000", isDefault: false });
    expect(mustFail(await admin.alterConfigs(topic, { "retention.ms": 7200000 as never }))).toMatchObject({ category: "VALIDATION", context: { field: "configs.retention.ms" } });
    expect(mustFail(await admin.alterConfigs(topic, { "no.such.config": "1" })).category, "a name Kafka does not know").toBe("VALIDATION");
    expect(mustFail(await admin.describeConfigs(bed.name("missing")))).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
  }, { needs: ["topicConfigs"] });

  test("without the topicConfigs capability, describeConfigs and alterConfigs are UNSUPPORTED (never a silent no-op)", async (bed) => {
    const topic = await bed.topic();
    const admin = await bed.admin();
    expect(mustFail(await admin.describeConfigs(topic)).category).toBe("UNSUPPORTED");
    expect(mustFail(await admin.alterConfigs(topic, { "retention.ms": "7200000" })).category).toBe("UNSUPPORTED");
  }, { when: !caps.topicConfigs });

  test("describeCluster names the brokers (the one the client was given among them) and a controller among them", async (bed) => {
    const admin = await bed.admin();
    const cluster = must(await admin.describeCluster());
    expect(cluster.brokers.length).toBeGreaterThan(0);
    for (const b of cluster.brokers) {
      expect(Number.isInteger(b.nodeId)).toBe(true);
      expect(typeof b.host).toBe("string");
    }
    expect(cluster.brokers.map((b) => b.nodeId)).toContain(cluster.controller);
    expect(cluster.clusterId === null || cluster.clusterId.length > 0).toBe(true);
    const given = bed.baseConfig().brokers ?? [];
    if (given.length > 0) expect(cluster.brokers.map((b) => b.port)).toContain(Number(given[0]!.split(":").pop()));
  });
});
