/** Admin: topics are created, listed, described and deleted; errors are CONFLICT and NOT_FOUND. */
import { expect } from "vitest";
import { must, mustFail } from "./bed.js";
import { defineGroup } from "./group.js";

export const adminTests = defineGroup("admin", ({ test }) => {
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
});
