/**
 * Admin, offsets: a topic's earliest and latest offsets and the offset for a time, as the broker
 * holds them; `resetOffsets` moves a group (and a restarted member reads from there); `groupLag`
 * is exactly the number of messages the group has not handled; bad input is a clear error.
 */
import { expect } from "vitest";
import { must, mustFail, offsetsOf } from "./bed.js";
import { defineGroup } from "./group.js";

/** A minute-spaced timeline in the past, so that a time between two messages is unambiguous. */
const BASE = Date.now() - 3_600_000;
const at = (i: number): Date => new Date(BASE + i * 60_000);

export const adminOffsetTests = defineGroup("admin-offsets", ({ test }) => {
  test("fetchTopicOffsets gives each partition's earliest and latest offset", async (bed) => {
    const topic = await bed.topic(3);
    await bed.produce(topic, 15, (i) => ({ value: `v${i}`, partition: i < 10 ? 0 : 1 }));
    const admin = await bed.admin();
    expect(must(await admin.fetchTopicOffsets(topic))).toEqual([
      { partition: 0, earliest: "0", latest: "10" },
      { partition: 1, earliest: "0", latest: "5" },
      { partition: 2, earliest: "0", latest: "0" },
    ]);
  });

  test("fetchTopicOffsetsByTimestamp finds the first message at or after the time, and the latest offset where there is none", async (bed) => {
    const topic = await bed.topic(2);
    const producer = await bed.producer();
    for (let i = 0; i < 5; i++) must(await producer.send(topic, { value: `v${i}`, partition: 0, timestamp: at(i) }));
    const admin = await bed.admin();
    const offsetAt = async (ms: number) => must(await admin.fetchTopicOffsetsByTimestamp(topic, ms));
    expect(await offsetAt(BASE + 2 * 60_000 + 1), "between the 3rd and the 4th").toEqual([{ partition: 0, offset: "3" }, { partition: 1, offset: "0" }]);
    expect(await offsetAt(BASE + 2 * 60_000), "exactly the 3rd").toEqual([{ partition: 0, offset: "2" }, { partition: 1, offset: "0" }]);
    expect(await offsetAt(BASE - 1), "before every message").toEqual([{ partition: 0, offset: "0" }, { partition: 1, offset: "0" }]);
    expect(await offsetAt(Date.now()), "after every message: the latest").toEqual([{ partition: 0, offset: "5" }, { partition: 1, offset: "0" }]);
  });

  test("resetOffsets to a timestamp makes a restarted member read from the first message at or after it", async (bed) => {
    const topic = await bed.topic(1);
    const producer = await bed.producer();
    for (let i = 0; i < 10; i++) must(await producer.send(topic, { value: `v${i}`, timestamp: at(i) }));
    const groupId = bed.name("g");
    const first = await bed.consumer([topic], { groupId });
    await bed.waitFor(() => first.received.length >= 10, "the 10 messages");
    must(await first.consumer.disconnect());
    const admin = await bed.admin();
    await bed.waitFor(async () => must(await admin.fetchCommittedOffsets(groupId, topic))[0]?.offset === "10", "the group committed at 10");
    expect(must(await admin.resetOffsets(groupId, topic, { timestamp: BASE + 4 * 60_000 + 30_000 }))).toEqual([{ topic, partition: 0, offset: "5" }]);
    expect(must(await admin.fetchCommittedOffsets(groupId, topic)), "read back from the broker").toEqual([{ topic, partition: 0, offset: "5" }]);
    const second = await bed.consumer([topic], { groupId }, { fromBeginning: false });
    await bed.waitFor(() => second.received.length >= 5, "the 5 messages after the time");
    expect(offsetsOf(second.received)).toEqual(["5", "6", "7", "8", "9"]);
  }, { timeout: 60_000 });

  test("resetOffsets to earliest, latest and explicit offsets commits exactly those offsets", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 12, (i) => ({ value: `v${i}`, partition: i % 2 }));
    const groupId = bed.name("g");
    const admin = await bed.admin();
    const committed = async () => must(await admin.fetchCommittedOffsets(groupId, topic)).map((o) => [o.partition, o.offset]);
    must(await admin.resetOffsets(groupId, topic, "latest"));
    expect(await committed()).toEqual([[0, "6"], [1, "6"]]);
    must(await admin.resetOffsets(groupId, topic, "earliest"));
    expect(await committed()).toEqual([[0, "0"], [1, "0"]]);
    expect(must(await admin.resetOffsets(groupId, topic, [{ partition: 1, offset: "4" }]))).toEqual([{ topic, partition: 1, offset: "4" }]);
    expect(await committed(), "only the partition given moved").toEqual([[0, "0"], [1, "4"]]);
  });

  test("resetOffsets while the group has members is CONFLICT / NON_EMPTY_GROUP and moves nothing", async (bed) => {
    const topic = await bed.topic(1);
    await bed.produce(topic, 5);
    const groupId = bed.name("g");
    const member = await bed.consumer([topic], { groupId });
    await bed.waitFor(() => member.received.length >= 5, "the 5 messages");
    const admin = await bed.admin();
    await bed.waitFor(async () => must(await admin.fetchCommittedOffsets(groupId, topic))[0]?.offset === "5", "the member committed at 5");
    expect(mustFail(await admin.resetOffsets(groupId, topic, "earliest"))).toMatchObject({ category: "CONFLICT", code: "NON_EMPTY_GROUP", context: { groupId } });
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([{ topic, partition: 0, offset: "5" }]);
  }, { timeout: 60_000 });

  test("groupLag is exactly the number of messages the group has not handled", async (bed) => {
    const topic = await bed.topic(3);
    await bed.produce(topic, 20, (i) => ({ value: `v${i}`, partition: i % 2 }));
    const groupId = bed.name("g");
    const member = await bed.consumer([topic], { groupId });
    await bed.waitFor(() => member.received.length >= 20, "the 20 messages");
    must(await member.consumer.disconnect());
    // Produced after the member left: 3 on partition 0, 4 on partition 1, 2 on partition 2 (never consumed there).
    await bed.produce(topic, 9, (i) => ({ value: `late${i}`, partition: i < 3 ? 0 : i < 7 ? 1 : 2 }));
    const admin = await bed.admin();
    const lag = must(await admin.groupLag(groupId));
    expect(lag.slice(0, 2)).toEqual([
      { topic, partition: 0, committed: "10", latest: "13", lag: "3" },
      { topic, partition: 1, committed: "10", latest: "14", lag: "4" },
    ]);
    // Partition 2 had no message while the member ran: some clients commit "0" there, others nothing.
    expect(lag[2]).toMatchObject({ topic, partition: 2, latest: "2", lag: "2" });
    expect([null, "0"]).toContain(lag[2]!.committed);
    // And the total is what a new member of the group then handles (from the committed offsets,
    // and from the earliest where none is: the lag's own definition).
    const next = await bed.consumer([topic], { groupId }, { fromBeginning: true });
    await bed.waitFor(() => next.received.length >= 9, "the 9 unhandled messages");
    await new Promise((r) => setTimeout(r, bed.t(300)));
    expect(next.received.map((m) => m.value?.toString())).toHaveLength(9);
  }, { timeout: 60_000 });

  test("bad input is a clear error: a missing topic, an unknown group, a future time, offsets out of range", async (bed) => {
    const topic = await bed.topic(1);
    await bed.produce(topic, 3);
    const admin = await bed.admin();
    const groupId = bed.name("g");
    expect(mustFail(await admin.fetchTopicOffsets(bed.name("missing")))).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
    expect(mustFail(await admin.groupLag(bed.name("no-such-group")))).toMatchObject({ category: "NOT_FOUND", code: "GROUP_ID_NOT_FOUND" });
    expect(mustFail(await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 3_600_000))).toMatchObject({ category: "VALIDATION", context: { field: "timestamp" } });
    expect(mustFail(await admin.resetOffsets(groupId, topic, { timestamp: Date.now() + 3_600_000 }))).toMatchObject({ category: "VALIDATION", context: { field: "to.timestamp" } });
    expect(mustFail(await admin.resetOffsets(groupId, topic, [{ partition: 0, offset: "-1" }]))).toMatchObject({ category: "VALIDATION", context: { field: "to[0].offset" } });
    expect(mustFail(await admin.resetOffsets(groupId, topic, [{ partition: 0, offset: "4" }])), "past the latest offset (3)").toMatchObject({ category: "VALIDATION", context: { field: "to" } });
    expect(mustFail(await admin.resetOffsets(groupId, topic, [{ partition: 5, offset: "0" }]))).toMatchObject({ category: "VALIDATION", code: "PARTITION_NOT_FOUND" });
    expect(mustFail(await admin.resetOffsets(groupId, topic, "newest" as never))).toMatchObject({ category: "VALIDATION", context: { field: "to" } });
    expect(mustFail(await admin.resetOffsets(groupId, bed.name("missing"), "earliest"))).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
    // Nothing was committed by any of the refusals.
    expect(must(await admin.fetchCommittedOffsets(groupId))).toEqual([]);
  });
});
