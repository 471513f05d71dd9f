/** Lifecycle: idempotent connect/disconnect, reconnect, STATE after disconnect, unreachable brokers, health. */
import { expect } from "vitest";
import { createStreamingClient } from "@qi/streaming";
import { must, mustFail } from "./bed.js";
import { defineGroup } from "./group.js";

/** A loopback port where nothing listens (the discard port is closed on test machines). */
const DEAD_BROKER = "127.0.0.1:9";

export const lifecycleTests = defineGroup("lifecycle", ({ test }) => {
  test("connect and disconnect are idempotent for producer, consumer and admin", async (bed) => {
    const client = bed.client();
    const roles = [must(await client.getProducer()), must(await client.getConsumer({ groupId: bed.name("g") })), must(await client.getAdmin())];
    for (const role of roles) {
      const [a, b] = await Promise.all([role.connect(), role.connect()]);
      must(a);
      must(b);
      must(await role.connect());
      expect(role.isConnected()).toBe(true);
      must(await role.disconnect());
      must(await role.disconnect());
      expect(role.isConnected()).toBe(false);
    }
  });

  test("a producer reconnects after disconnect and sends again", async (bed) => {
    const topic = await bed.topic();
    const producer = await bed.producer();
    const before = must(await producer.send(topic, { value: "before" }));
    must(await producer.disconnect());
    must(await producer.connect());
    const after = must(await producer.send(topic, { value: "after" }));
    // Not "1": without idempotence a client retry may have written "before" twice (at-least-once).
    expect(Number(after.offset)).toBeGreaterThan(Number(before.offset));
  });

  test("any call after disconnect is a STATE error", async (bed) => {
    const topic = await bed.topic();
    const client = bed.client();
    const producer = must(await client.getProducer());
    const consumer = must(await client.getConsumer({ groupId: bed.name("g") }));
    const admin = must(await client.getAdmin());
    for (const r of [producer, consumer, admin]) {
      must(await r.connect());
      must(await r.disconnect());
    }
    const calls = [
      producer.send(topic, { value: "x" }),
      producer.sendBatch([{ topic, message: { value: "x" } }]),
      producer.flush(),
      consumer.subscribe({ topics: [topic] }),
      consumer.run({ eachMessage: () => {} }),
      consumer.commitOffsets(),
      consumer.seek(topic, 0, "0"),
      consumer.pause([{ topic, partition: 0 }]),
      consumer.resume([{ topic, partition: 0 }]),
      admin.listTopics(),
      admin.createTopics([{ topic: bed.name("t") }]),
      admin.deleteTopics([topic]),
      admin.getTopicMetadata([topic]),
      admin.fetchCommittedOffsets("g"),
    ];
    for (const call of calls) expect(mustFail(await call).category).toBe("STATE");
  });

  test("an unreachable broker gives CONNECTION or TIMEOUT within the configured timeout", async (bed) => {
    const client = bed.client({ brokers: [DEAD_BROKER], connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 0 } });
    const started = Date.now();
    const producer = must(await client.getProducer());
    const connected = await producer.connect();
    const sent = connected.isOk() ? await producer.send(bed.name("t"), { value: "x" }) : connected;
    const error = mustFail(sent);
    expect(["CONNECTION", "TIMEOUT"]).toContain(error.category);
    expect(Date.now() - started).toBeLessThan(bed.t(1000 + 2000 + 1000));
  }, { needs: ["network"] });

  test("isHealthy is true with a broker and false without", async (bed) => {
    expect(must(await bed.client().isHealthy())).toBe(true);
    const dead = must(createStreamingClient(bed.baseConfig({ brokers: [DEAD_BROKER], connectionTimeout: 1000, retry: { retries: 0 } })));
    expect(must(await dead.isHealthy())).toBe(false);
    must(await dead.disconnect());
  }, { needs: ["network"] });

  test("isHealthy is true while the client is open and false after disconnect", async (bed) => {
    const client = bed.client();
    expect(must(await client.isHealthy())).toBe(true);
    must(await client.disconnect());
    expect(must(await client.isHealthy())).toBe(false);
  });
});
