// A platformatic consumer that gives up for good, on the harness broker: one of its topics is
// deleted, then the group rebalances; platformatic's rejoin fails (the topic's metadata is
// gone) and it sends no heartbeat after it. The driver reports the crash (event, onError,
// health), gives its partitions back, leaves the group so the other member takes them now (not
// after the 60 s rebalance timeout), and disconnect() is clean.
import type { ConsumerEventName, QiError } from "@qi/streaming";
import { CONSUMER_EVENTS } from "@qi/streaming";
import { kafkaTestConfig, must, TestBed } from "@qi/streaming-testkit";
import { afterEach, expect, test } from "vitest";
import { platformaticConnector } from "../src/index.js";

let bed: TestBed | undefined;
afterEach(async () => {
  await bed?.cleanup();
  bed = undefined;
});

test("a rejoin that fails for good: crashed (then revoked), health false, the partitions move at once, disconnect clean", async () => {
  bed = new TestBed({ connector: platformaticConnector, config: kafkaTestConfig });
  const kept = await bed.topic(2);
  const doomed = await bed.topic(1);
  const groupId = bed.name("g");
  // The default client retries: the failed rejoin gives up after about 10 s of them.
  const client = bed.client();
  const errors: QiError[] = [];
  const a = must(await client.getConsumer({ groupId, onError: (e) => void errors.push(e) }));
  const events: { event: ConsumerEventName; at: number }[] = [];
  for (const event of CONSUMER_EVENTS) a.on(event, () => void events.push({ event, at: Date.now() }));
  let crash: QiError | undefined;
  a.on("crashed", ({ error }) => void (crash = error));
  const receivedA: string[] = [];
  must(await a.connect());
  must(await a.subscribe({ topics: [kept, doomed], fromBeginning: true }));
  must(await a.run({ eachMessage: (m) => void receivedA.push(m.value!.toString()) }));
  await bed.produce(kept, 4, (i) => ({ value: `before-${i}`, partition: i % 2 }));
  await bed.waitFor(() => receivedA.length === 4, "the first member's messages");

  const admin = await bed.admin();
  must(await admin.deleteTopics([doomed]));
  // A second member makes the group rebalance: the first one's heartbeat learns of it and rejoins.
  const joining = bed.consumer([kept], { groupId });
  await bed.waitFor(() => crash !== undefined, "the crashed event", 40_000);
  const crashedAt = Date.now();
  expect(crash!.message).toContain(doomed);
  expect(errors.map((e) => e.code), "onError has it too").toContain(crash!.code);
  const health = must(await client.health());
  expect(health.healthy).toBe(false);
  expect(health.problems.map((p) => p.code)).toContain(crash!.code);

  // It left: the other member owns everything long before the rebalance timeout (60 s) would have passed.
  const b = await joining;
  await bed.waitFor(() => b.consumer.assignment().length === 2, "the second member owning both partitions", 15_000);
  expect(Date.now() - crashedAt).toBeLessThan(15_000);
  await bed.produce(kept, 4, (i) => ({ value: `after-${i}`, partition: i % 2 }));
  await bed.waitFor(() => b.received.some((m) => m.value?.toString() === "after-3"), "the second member's messages");
  expect([...receivedA].sort(), "nothing handled after the crash").toEqual(["before-0", "before-1", "before-2", "before-3"]);

  expect(events.map((e) => e.event).slice(0, 2)).toEqual(["joined", "assigned"]);
  expect(events.map((e) => e.event).slice(2), "crashed, then what it owned given back").toEqual(["crashed", "revoked"]);
  expect(a.assignment()).toEqual([]);

  must(await a.disconnect());
  expect(events.map((e) => e.event).slice(-1)).toEqual(["left"]);
  expect(events.filter((e) => e.event === "revoked"), "revoked once").toHaveLength(1);
}, 90_000);
