/**
 * Groups: independent groups, members splitting partitions, rebalancing on leave, graceful leave;
 * all of it under every group protocol the connector speaks (`capabilities.groupProtocols`), and
 * a protocol it does not speak refused as UNSUPPORTED.
 */
import { describe, expect } from "vitest";
import type { ConsumedMessage, ConsumerConfig, GroupProtocol } from "@qi/streaming";
import { must, mustFail, sleep } from "./bed.js";
import { defineGroup, type GroupContext } from "./group.js";

const PROTOCOLS: readonly GroupProtocol[] = ["classic", "consumer"];

const ids = (messages: readonly ConsumedMessage[]): string[] => messages.map((m) => `${m.partition}/${m.offset}`);

export const groupTests = defineGroup("groups", ({ test, caps }) => {
  for (const protocol of PROTOCOLS) {
    if (!caps.groupProtocols.includes(protocol)) {
      test(`groupProtocol "${protocol}", which the connector does not speak, is UNSUPPORTED at getConsumer`, async (bed) => {
        const error = mustFail(await bed.client().getConsumer({ groupId: bed.name("g"), groupProtocol: protocol }));
        expect(error).toMatchObject({ category: "UNSUPPORTED", context: { field: "consumer.groupProtocol" } });
      });
      continue;
    }
    describe(`groupProtocol ${protocol}`, () => memberTests(test, protocol));
  }
});

function memberTests(test: GroupContext["test"], groupProtocol: GroupProtocol): void {
  // Every consumer of these tests joins with the protocol under test.
  const as = (config: ConsumerConfig): ConsumerConfig => ({ ...config, groupProtocol });

  test("two groups each receive everything", async (bed) => {
    const topic = await bed.topic(3);
    await bed.produce(topic, 60, (i) => ({ key: `k${i}`, value: `v${i}` }));
    const a = await bed.consumer([topic], as({ groupId: bed.name("ga") }));
    const b = await bed.consumer([topic], as({ groupId: bed.name("gb") }));
    await bed.waitFor(() => a.received.length >= 60 && b.received.length >= 60, "60 messages in both groups");
    expect(new Set(ids(a.received)).size).toBe(60);
    expect(new Set(ids(b.received)).size).toBe(60);
  });

  test("two members of one group split the partitions, with nothing lost and nothing duplicated", async (bed) => {
    const topic = await bed.topic(4);
    const groupId = bed.name("g");
    const a = await bed.consumer([topic], as({ groupId }));
    const b = await bed.consumer([topic], as({ groupId }));
    await bed.waitFor(() => a.consumer.assignment().length + b.consumer.assignment().length === 4 && a.consumer.assignment().length > 0 && b.consumer.assignment().length > 0, "a split assignment");
    const owned = [...a.consumer.assignment(), ...b.consumer.assignment()].map((tp) => tp.partition).sort();
    expect(owned).toEqual([0, 1, 2, 3]);
    await bed.produce(topic, 200, (i) => ({ key: `k${i}`, value: `v${i}` }));
    await bed.waitFor(() => a.received.length + b.received.length >= 200, "200 messages");
    await sleep(bed.t(300));
    const all = [...ids(a.received), ...ids(b.received)];
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    expect(a.received.length).toBeGreaterThan(0);
    expect(b.received.length).toBeGreaterThan(0);
  }, { timeout: 60_000 });

  test("a member joining mid-stream (run by key, limit 2): the handlers running on a partition the other gives away finish and are committed first, so the new owner starts after them and no message is handled twice", async (bed) => {
    const PARTITIONS = 2;
    const TOTAL = 120;
    const topic = await bed.topic(PARTITIONS);
    await bed.produce(topic, TOTAL, (i) => ({ key: `k${i % 8}`, value: `v${i}`, partition: i % PARTITIONS }));
    const groupId = bed.name("g");
    const handledBy = new Map<string, string[]>();
    const handled = (who: string, m: ConsumedMessage): void => void handledBy.set(`${m.partition}/${m.offset}`, [...(handledBy.get(`${m.partition}/${m.offset}`) ?? []), who]);
    /** When the first member last finished a message, per partition; when the second first started one. */
    const firstEnded = new Map<number, number>();
    const secondStarted = new Map<number, number>();
    // Slow enough (about 12 s a partition) that the rebalance lands mid-stream under either
    // protocol (the consumer protocol's takes up to two heartbeat intervals, 5 s each by default).
    await bed.consumer([topic], as({ groupId }), {
      run: () => ({
        concurrency: { by: "key", limit: 2 },
        eachMessage: async (m) => {
          await sleep(400);
          handled("first", m);
          firstEnded.set(m.partition, Date.now());
        },
      }),
    });
    await bed.waitFor(() => handledBy.size >= 2, "the first member to be busy");
    await bed.consumer([topic], as({ groupId }), {
      run: () => ({
        eachMessage: (m) => {
          if (!secondStarted.has(m.partition)) secondStarted.set(m.partition, Date.now());
          handled("second", m);
        },
      }),
    });
    await bed.waitFor(() => handledBy.size >= TOTAL, `all ${TOTAL} messages handled`, 60_000);
    await sleep(bed.t(500)); // a message handled again would show now
    expect([...handledBy].filter(([, who]) => who.length > 1), "messages handled by both members, or twice").toEqual([]);
    expect(secondStarted.size, "partitions the second member took over mid-stream").toBeGreaterThan(0);
    for (const [partition, at] of secondStarted) {
      const ended = firstEnded.get(partition);
      if (ended !== undefined) expect(at, `partition ${partition}: the new owner's first message after the old owner's last one ended`).toBeGreaterThanOrEqual(ended);
    }
  }, { timeout: 90_000 });

  test("when a member leaves, its partitions move to the other", async (bed) => {
    const topic = await bed.topic(4);
    const groupId = bed.name("g");
    const a = await bed.consumer([topic], as({ groupId }));
    const b = await bed.consumer([topic], as({ groupId }));
    await bed.waitFor(() => b.consumer.assignment().length > 0 && a.consumer.assignment().length + b.consumer.assignment().length === 4, "a split assignment");
    must(await b.consumer.disconnect());
    await bed.waitFor(() => a.consumer.assignment().length === 4, "all 4 partitions on the remaining member");
    await bed.produce(topic, 40, (i) => ({ key: `k${i}`, value: `v${i}` }));
    await bed.waitFor(() => a.received.length >= 40, "40 messages on the remaining member");
  }, { timeout: 60_000 });

  test("a paused partition taken away by a rebalance and handed back is consumed again (a pause ends with the assignment)", async (bed) => {
    const topic = await bed.topic(4);
    const groupId = bed.name("g");
    const a = await bed.consumer([topic], as({ groupId }));
    // Under the consumer protocol a member may join with nothing and take its partitions one
    // heartbeat later (the coordinator had not seen the new topic yet): the pause is of what it owns.
    await bed.waitFor(() => a.consumer.assignment().length === 4, "the first member to own all 4 partitions");
    const all = [0, 1, 2, 3].map((partition) => ({ topic, partition }));
    must(await a.consumer.pause(all));
    const b = await bed.consumer([topic], as({ groupId }));
    await bed.waitFor(() => b.consumer.assignment().length > 0 && a.consumer.assignment().length + b.consumer.assignment().length === 4, "a split assignment");
    const moved = b.consumer.assignment().map((tp) => tp.partition);
    must(await b.consumer.disconnect());
    await bed.waitFor(() => a.consumer.assignment().length === 4, "all 4 partitions back on the first member");
    await bed.produce(topic, 40, (i) => ({ value: `v${i}`, partition: moved[i % moved.length]! }));
    await bed.waitFor(() => a.received.length >= 40, `the 40 messages of the partitions handed back (${moved.join(", ")})`, 30_000);
  }, { needs: ["pauseResume"], timeout: 90_000 });

  test("disconnect finishes in-flight work, commits and leaves, so a new member takes over quickly", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 10);
    let finished = 0;
    let started = 0;
    const slow = await bed.consumer([topic], as({ groupId, maxBatchSize: 10 }), {
      run: () => ({
        eachMessage: async () => {
          started++;
          await sleep(100);
          finished++;
        },
      }),
    });
    await bed.waitFor(() => started >= 3, "the handler to be busy");
    must(await slow.consumer.disconnect());
    expect(finished).toBe(started); // the in-flight handler ran to its end
    const admin = await bed.admin();
    const committed = must(await admin.fetchCommittedOffsets(groupId, topic));
    expect(committed).toEqual([{ topic, partition: 0, offset: String(finished) }]);
    const joinedAt = Date.now();
    const next = await bed.consumer([topic], as({ groupId }));
    expect(Date.now() - joinedAt).toBeLessThan(bed.t(15_000));
    await bed.waitFor(() => next.received.length >= 10 - finished, "the rest");
    expect(next.received[0]!.offset).toBe(String(finished));
  }, { timeout: 60_000 });
}
