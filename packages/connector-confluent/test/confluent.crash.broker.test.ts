// A confluent consumer whose client stops for good, on the harness broker: two static members
// with the same `group.instance.id`; the second one's join fences the first, which librdkafka
// answers with a fatal error (the client consumes and commits nothing more). The driver reports
// the crash (event with the reason, onError, health), gives the partitions back, refuses
// commits at once, and disconnect() is clean; the second member goes on.
import type { ConsumerEventName, QiError } from "@qi/streaming";
import { CONSUMER_EVENTS } from "@qi/streaming";
import { kafkaTestConfig, must, mustFail, TestBed } from "@qi/streaming-testkit";
import { afterEach, expect, test } from "vitest";
import { confluentConnector } from "../src/index.js";

let bed: TestBed | undefined;
afterEach(async () => {
  await bed?.cleanup();
  bed = undefined;
});

test("a static member fenced by its replacement: crashed with the reason (then revoked), health false, commits refused, disconnect clean", async () => {
  bed = new TestBed({ connector: confluentConnector, config: kafkaTestConfig });
  const topic = await bed.topic(2);
  const groupId = bed.name("g");
  const instance = { options: { "group.instance.id": bed.name("static") } };
  const client = bed.client(instance);
  const errors: QiError[] = [];
  const a = must(await client.getConsumer({ groupId, autoCommit: false, onError: (e) => void errors.push(e) }));
  const events: ConsumerEventName[] = [];
  for (const event of CONSUMER_EVENTS) a.on(event, () => void events.push(event));
  let crash: QiError | undefined;
  a.on("crashed", ({ error }) => void (crash = error));
  const receivedA: string[] = [];
  must(await a.connect());
  must(await a.subscribe({ topics: [topic], fromBeginning: true }));
  must(await a.run({ eachMessage: (m) => void receivedA.push(m.value!.toString()) }));
  await bed.produce(topic, 4, (i) => ({ value: `before-${i}`, partition: i % 2 }));
  await bed.waitFor(() => receivedA.length === 4, "the first member's messages");

  const b = await bed.consumer([topic], { groupId }, { client: bed.client(instance) });
  await bed.waitFor(() => crash !== undefined, "the crashed event", 30_000);
  expect(crash).toMatchObject({ category: "STATE", code: "CLIENT_FATAL_ERROR", retriable: false });
  expect(crash!.message, "the reason librdkafka gave").toMatch(/fenced/i);
  expect(errors.map((e) => e.code), "onError has it too").toContain("CLIENT_FATAL_ERROR");
  const health = must(await client.health());
  expect(health.healthy).toBe(false);
  expect(health.problems.map((p) => p.code)).toContain("CLIENT_FATAL_ERROR");
  expect(events, "crashed, then what it owned given back").toEqual(["joined", "assigned", "crashed", "revoked"]);
  expect(a.assignment()).toEqual([]);
  const started = Date.now();
  expect(mustFail(await a.commitOffsets([{ topic, partition: 0, offset: "1" }]))).toMatchObject({ category: "STATE", code: "CONSUMER_CRASHED" });
  expect(Date.now() - started, "refused at once, not timed out").toBeLessThan(1000);

  // The replacement owns everything and goes on.
  await bed.waitFor(() => b.consumer.assignment().length === 2, "the second member owning both partitions");
  await bed.produce(topic, 4, (i) => ({ value: `after-${i}`, partition: i % 2 }));
  await bed.waitFor(() => b.received.some((m) => m.value?.toString() === "after-3"), "the second member's messages");
  expect(receivedA.filter((v) => v.startsWith("after")), "nothing handled by the fenced member").toEqual([]);

  must(await a.disconnect());
  expect(events.slice(-1)).toEqual(["left"]);
  expect(events.filter((e) => e === "revoked"), "revoked once").toHaveLength(1);
}, 90_000);
