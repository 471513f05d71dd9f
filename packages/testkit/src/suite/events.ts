/**
 * Events: a consumer's rebalance and lifecycle events arrive with the same names, payloads and
 * order on every connector; `revoked` runs before a partition's next owner gets a message of it;
 * the stop policy is visible (event, onError, health) and commits what succeeded.
 */
import { expect } from "vitest";
import type { ConsumerEventName, IStreamingConsumer, QiError, TopicPartition } from "@qi/streaming";
import { CONSUMER_EVENTS } from "@qi/streaming";
import { must, sleep } from "./bed.js";
import { defineGroup } from "./group.js";

interface Seen {
  readonly event: ConsumerEventName;
  readonly partitions: number[];
  readonly at: number;
}

/** Records every event of a consumer: its name, the partitions it names, when. */
function record(consumer: IStreamingConsumer): Seen[] {
  const seen: Seen[] = [];
  for (const event of CONSUMER_EVENTS) {
    consumer.on(event, (payload) => {
      const p = payload as { assignment?: readonly TopicPartition[]; partitions?: readonly TopicPartition[] };
      seen.push({ event, partitions: (p.assignment ?? p.partitions ?? []).map((tp) => tp.partition).sort((a, b) => a - b), at: Date.now() });
    });
  }
  return seen;
}

const names = (seen: readonly Seen[]): string[] => seen.map((s) => s.event);

export const eventTests = defineGroup("events", ({ test }) => {
  test("a member joining, a second member joining and a graceful leave: events in the documented order", async (bed) => {
    const topic = await bed.topic(4);
    const groupId = bed.name("g");
    const a = must(await bed.client().getConsumer({ groupId }));
    const seenA = record(a);
    must(await a.connect());
    must(await a.subscribe({ topics: [topic], fromBeginning: true }));
    must(await a.run({ eachMessage: () => undefined }));
    expect(seenA.slice(0, 2), "joined with the assignment, then assigned").toMatchObject([
      { event: "joined", partitions: [0, 1, 2, 3] },
      { event: "assigned", partitions: [0, 1, 2, 3] },
    ]);

    const b = must(await bed.client().getConsumer({ groupId }));
    const seenB = record(b);
    must(await b.connect());
    must(await b.subscribe({ topics: [topic], fromBeginning: true }));
    must(await b.run({ eachMessage: () => undefined }));
    await bed.waitFor(() => a.assignment().length + b.assignment().length === 4 && b.assignment().length > 0 && a.assignment().length < 4, "a split assignment");
    const movedToB = b.assignment().map((tp) => tp.partition).sort();
    await bed.waitFor(() => seenA.filter((s) => s.event === "assigned").length >= 2, "the first member's second assignment");
    const revokedA = seenA.findIndex((s) => s.event === "revoked");
    const reassignedA = seenA.findIndex((s, i) => i > 1 && s.event === "assigned");
    expect(revokedA, "the first member is told before its partitions move").toBeGreaterThan(1);
    expect(revokedA, "revocation before reassignment").toBeLessThan(reassignedA);
    expect(seenA[revokedA]!.partitions, "what moved was revoked").toEqual(expect.arrayContaining(movedToB));
    expect(seenA[reassignedA]!.partitions, "assigned: the new assignment").toEqual(a.assignment().map((tp) => tp.partition).sort());
    expect(names(seenB).slice(0, 2)).toEqual(["joined", "assigned"]);
    expect(seenB[0]!.partitions).toEqual(movedToB);

    must(await b.disconnect());
    expect(names(seenB).slice(-2), "a graceful leave: revoked, then left").toEqual(["revoked", "left"]);
    expect(seenB[seenB.length - 2]!.partitions).toEqual(movedToB);
    await bed.waitFor(() => a.assignment().length === 4, "every partition back on the first member");
    await bed.waitFor(() => seenA[seenA.length - 1]?.event === "assigned" && seenA[seenA.length - 1]!.partitions.length === 4, "the first member assigned all 4");
    expect(names(seenA).filter((n) => n === "joined"), "joined once per run()").toHaveLength(1);
    expect(names(seenA)).not.toContain("left");
  }, { timeout: 90_000 });

  test("the revoked listener runs, and is awaited, before the partition's next owner receives its first message", async (bed) => {
    const topic = await bed.topic(4);
    const groupId = bed.name("g");
    const a = must(await bed.client().getConsumer({ groupId }));
    let revokedDone = 0;
    a.on("revoked", async () => {
      await sleep(bed.t(1000));
      revokedDone = Date.now();
    });
    must(await a.connect());
    must(await a.subscribe({ topics: [topic], fromBeginning: true }));
    must(await a.run({ eachMessage: () => undefined }));
    // Held back: the first member owns these messages but does not handle them.
    must(await a.pause([0, 1, 2, 3].map((partition) => ({ topic, partition }))));
    await bed.produce(topic, 40, (i) => ({ value: `v${i}`, partition: i % 4 }));
    const firstSeen = new Map<number, number>();
    const b = await bed.consumer([topic], { groupId }, { run: () => ({ eachMessage: (m) => void (firstSeen.has(m.partition) || firstSeen.set(m.partition, Date.now())) }) });
    await bed.waitFor(() => firstSeen.size > 0, "a message on the second member");
    expect(revokedDone, "the revoked listener had finished").toBeGreaterThan(0);
    for (const [partition, at] of firstSeen) expect(at, `partition ${partition}: first message after the revoked listener finished`).toBeGreaterThanOrEqual(revokedDone);
    void b;
  }, { needs: ["pauseResume"], timeout: 90_000 });

  test("a poison message under the stop policy: stopped with the error, onError, health false with the reason, what succeeded committed", async (bed) => {
    const topic = await bed.topic(1);
    await bed.produce(topic, 5);
    const groupId = bed.name("g");
    const client = bed.client();
    const errors: QiError[] = [];
    const consumer = must(await client.getConsumer({ groupId, retry: { attempts: 1 }, onError: (e) => void errors.push(e) }));
    const stopped: { error: QiError; partitions: readonly TopicPartition[] }[] = [];
    consumer.on("stopped", (p) => void stopped.push(p));
    const handled: string[] = [];
    must(await consumer.connect());
    must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
    must(
      await consumer.run({
        eachMessage: (m) => {
          if (m.value?.toString() === "m-2") throw new Error("poison");
          handled.push(m.value!.toString());
        },
      }),
    );
    await bed.waitFor(() => stopped.length > 0, "the stopped event");
    expect(stopped[0]!.error).toMatchObject({ category: "HANDLER", context: { topic, partition: 0, offset: "2" } });
    expect(stopped[0]!.partitions).toEqual([{ topic, partition: 0 }]);
    expect(errors.map((e) => e.code), "onError has it too").toContain(stopped[0]!.error.code);
    const health = must(await client.health());
    expect(health).toMatchObject({ healthy: false, reachable: true });
    expect(health.problems[0]).toMatchObject({ category: "HANDLER", context: { offset: "2" } });
    expect(must(await client.isHealthy())).toBe(false);
    await sleep(bed.t(500));
    expect(handled, "nothing after the poison message").toEqual(["m-0", "m-1"]);
    const admin = await bed.admin();
    await bed.waitFor(async () => must(await admin.fetchCommittedOffsets(groupId, topic))[0]?.offset === "2", "the two handled messages committed (offset 2)");
    expect(consumer.isConnected(), "a stopped member stays connected (it keeps the partition, so no other member takes the poison message)").toBe(true);
  }, { timeout: 60_000 });

  test("a member stopped by the stop policy stays in its group: no rebalance, and no other member takes the poison message", async (bed) => {
    const topic = await bed.topic(2);
    const groupId = bed.name("g");
    const handledBy = new Map<string, string[]>();
    const run = (who: string) => () => ({
      eachMessage: (m: { value: Buffer | null; partition: number }) => {
        if (m.value?.toString() === "poison") throw new Error("poison");
        handledBy.set(who, [...(handledBy.get(who) ?? []), `${m.partition}:${m.value?.toString()}`]);
      },
    });
    const a = await bed.consumer([topic], { groupId, retry: { attempts: 1 } }, { run: run("a") });
    const b = await bed.consumer([topic], { groupId, retry: { attempts: 1 } }, { run: run("b") });
    await bed.waitFor(() => a.consumer.assignment().length === 1 && b.consumer.assignment().length === 1, "one partition each");
    const stopped: string[] = [];
    a.consumer.on("stopped", () => void stopped.push("a"));
    b.consumer.on("stopped", () => void stopped.push("b"));
    const revoked: string[] = [];
    a.consumer.on("revoked", () => void revoked.push("a"));
    b.consumer.on("revoked", () => void revoked.push("b"));
    const poisoned = a.consumer.assignment()[0]!.partition;
    const producer = await bed.producer();
    must(await producer.send(topic, { value: "poison", partition: poisoned }));
    await bed.waitFor(() => stopped.length > 0, "the stopped event");
    expect(stopped).toEqual(["a"]);
    await sleep(bed.t(3000));
    must(await producer.send(topic, { value: "after", partition: 1 - poisoned }));
    await bed.waitFor(() => (handledBy.get("b") ?? []).includes(`${1 - poisoned}:after`), "the other member still consuming its own partition");
    expect(revoked, "no rebalance: nobody was revoked").toEqual([]);
    expect(b.consumer.assignment().map((tp) => tp.partition), "the other member did not get the stopped member's partition").toEqual([1 - poisoned]);
    const admin = await bed.admin();
    expect(must(await admin.describeGroups([groupId]))[0]!.members, "both members still in the group").toHaveLength(2);
  }, { timeout: 60_000 });

  test("a listener that throws changes nothing: consumption goes on", async (bed) => {
    const topic = await bed.topic(1);
    await bed.produce(topic, 10);
    const client = bed.client();
    const consumer = must(await client.getConsumer({ groupId: bed.name("g") }));
    consumer.on("joined", () => {
      throw new Error("listener bug");
    });
    consumer.on("assigned", async () => {
      throw new Error("async listener bug");
    });
    const received: string[] = [];
    must(await consumer.connect());
    must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
    must(await consumer.run({ eachMessage: (m) => void received.push(m.value!.toString()) }));
    await bed.waitFor(() => received.length >= 10, "the 10 messages");
    expect(bed.logs.some((l) => l.includes("listener failed")), "the failure is logged").toBe(true);
  });
});
