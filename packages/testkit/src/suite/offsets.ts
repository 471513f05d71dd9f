/** Offsets: a committed offset is the next one to read, restarts resume there, manual commits. */
import { expect } from "vitest";
import { must, offsetsOf, sleep } from "./bed.js";
import { defineGroup } from "./group.js";

export const offsetTests = defineGroup("offsets", ({ test }) => {
  test("a committed offset is the next offset to read, and a restarted consumer resumes exactly there", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 5);
    const first = await bed.consumer([topic], { groupId });
    await bed.waitFor(() => first.received.length >= 5, "5 messages");
    must(await first.consumer.disconnect());
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([{ topic, partition: 0, offset: "5" }]);
    await bed.produce(topic, 3, (i) => ({ value: `later-${i}` }));
    const second = await bed.consumer([topic], { groupId }, { fromBeginning: true });
    await bed.waitFor(() => second.received.length >= 3, "3 later messages");
    await sleep(bed.t(300));
    expect(offsetsOf(second.received)).toEqual(["5", "6", "7"]);
  });

  test("with autoCommit off nothing is committed until commitOffsets()", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 4);
    const { consumer, received } = await bed.consumer([topic], { groupId, autoCommit: false });
    await bed.waitFor(() => received.length >= 4, "4 messages");
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([]);
    must(await consumer.commitOffsets());
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([{ topic, partition: 0, offset: "4" }]);
  });

  test("commitOffsets with explicit offsets commits exactly those", async (bed) => {
    const topic = await bed.topic(2);
    const groupId = bed.name("g");
    const { consumer } = await bed.consumer([topic], { groupId, autoCommit: false });
    await bed.produce(topic, 6, (i) => ({ value: `v${i}`, partition: i % 2 }));
    must(await consumer.commitOffsets([{ topic, partition: 1, offset: "2" }]));
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([{ topic, partition: 1, offset: "2" }]);
  });

  test("fromBeginning is ignored when the group has a committed offset", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 6);
    const first = await bed.consumer([topic], { groupId, autoCommit: false });
    await bed.waitFor(() => first.received.length >= 6, "6 messages");
    must(await first.consumer.commitOffsets([{ topic, partition: 0, offset: "4" }]));
    must(await first.consumer.disconnect());
    const second = await bed.consumer([topic], { groupId }, { fromBeginning: true });
    await bed.waitFor(() => second.received.length >= 2, "2 messages");
    await sleep(bed.t(300));
    expect(offsetsOf(second.received)).toEqual(["4", "5"]);
  });

  test("commitOffsets before run() sets the group's offsets without joining it, and run() starts there", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 5);
    const consumer = must(await bed.client().getConsumer({ groupId }));
    must(await consumer.connect());
    must(await consumer.commitOffsets([{ topic, partition: 0, offset: "3" }]));
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([{ topic, partition: 0, offset: "3" }]);
    const received: string[] = [];
    must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
    must(await consumer.run({ eachMessage: (m) => void received.push(m.offset) }));
    await bed.waitFor(() => received.length >= 2, "2 messages");
    await sleep(bed.t(300));
    expect(received).toEqual(["3", "4"]);
  });
});
