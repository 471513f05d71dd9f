/** Errors: authentication, missing topics, unsupported options, invalid input; never a throw. */
import { expect } from "vitest";
import { must, mustFail } from "./bed.js";
import { defineGroup } from "./group.js";

const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;

export const errorTests = defineGroup("errors", ({ test, caps }) => {
  test("wrong SASL credentials give AUTHENTICATION, and the password appears nowhere", async (bed) => {
    const sasl = bed.options.sasl?.();
    if (!sasl) throw new Error("the suite was given no SASL endpoint (options.sasl); a connector with the sasl capability needs one");
    const password = `wrong-${bed.name("pw")}`;
    const client = bed.client({ brokers: sasl.brokers, connectionTimeout: 3000, retry: { retries: 0 }, security: { sasl: { mechanism: "plain", username: sasl.plain.username, password } } });
    const admin = must(await client.getAdmin());
    const connected = await admin.connect();
    const error = mustFail(connected.isOk() ? await admin.listTopics() : connected);
    expect(error.category).toBe("AUTHENTICATION");
    expect(JSON.stringify({ ...error, cause: String(error.cause) })).not.toContain(password);
  }, { needs: ["sasl"] });

  test("a wrong SASL password fails connect() itself with AUTHENTICATION, for the producer, the consumer and the admin", async (bed) => {
    const sasl = bed.options.sasl?.();
    if (!sasl) throw new Error("the suite was given no SASL endpoint (options.sasl); a connector with the sasl capability needs one");
    const password = `wrong-${bed.name("pw")}`;
    const client = bed.client({ brokers: sasl.brokers, connectionTimeout: 3000, retry: { retries: 0 }, security: { sasl: { mechanism: "plain", username: sasl.plain.username, password } } });
    const roles = {
      admin: must(await client.getAdmin()),
      producer: must(await client.getProducer()),
      consumer: must(await client.getConsumer({ groupId: bed.name("g") })),
    };
    for (const [role, r] of Object.entries(roles)) {
      const connected = await r.connect();
      expect(connected.isErr(), `${role}.connect() with a wrong password`).toBe(true);
      const error = mustFail(connected);
      expect(error.category, `${role}.connect(): ${error.code}`).toBe("AUTHENTICATION");
      expect(JSON.stringify({ ...error, cause: String(error.cause) })).not.toContain(password);
    }
  }, { needs: ["sasl"], timeout: 60_000 });

  test("correct PLAIN and SCRAM-SHA-256 credentials work", async (bed) => {
    const sasl = bed.options.sasl?.();
    if (!sasl) throw new Error("the suite was given no SASL endpoint (options.sasl)");
    const users = [{ mechanism: "plain" as const, ...sasl.plain }, ...(sasl.scram256 ? [{ mechanism: "scram-sha-256" as const, ...sasl.scram256 }] : [])];
    for (const user of users) {
      const admin = must(await bed.client({ brokers: sasl.brokers, security: { sasl: user } }).getAdmin());
      must(await admin.connect());
      must(await admin.listTopics());
    }
  }, { needs: ["sasl"] });

  test("producing to a missing topic (auto-creation off) gives NOT_FOUND", async (bed) => {
    const producer = await bed.producer();
    expect(mustFail(await producer.send(bed.name("missing"), { value: "x" })).category).toBe("NOT_FOUND");
  });

  test("subscribing to a missing topic gives NOT_FOUND from subscribe() within connectionTimeout + requestTimeout; run() then says NOT_SUBSCRIBED", async (bed) => {
    const topic = await bed.topic();
    const missing = bed.name("missing");
    const connectionTimeout = 3000;
    const requestTimeout = 5000;
    const consumer = must(await bed.client({ connectionTimeout, requestTimeout }).getConsumer({ groupId: bed.name("g") }));
    must(await consumer.connect());
    const started = Date.now();
    const error = mustFail(await consumer.subscribe({ topics: [topic, missing], fromBeginning: true }));
    expect(Date.now() - started).toBeLessThan(connectionTimeout + requestTimeout + 1000);
    expect(error.category).toBe("NOT_FOUND");
    expect(error.code).toBe("TOPIC_NOT_FOUND");
    expect(error.message).toContain(missing);
    expect(mustFail(await consumer.run({ eachMessage: () => undefined })).code).toBe("NOT_SUBSCRIBED");
    // The same consumer subscribes to topics that exist, and runs.
    must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
    must(await consumer.run({ eachMessage: () => undefined }));
  }, { timeout: 60_000 });

  test("an option the connector cannot honour gives UNSUPPORTED", async (bed) => {
    const codec = CODECS.find((c) => !caps.compression.includes(c));
    const config = codec ? { compression: codec } : !caps.idempotentProducer ? { idempotent: true } : undefined;
    const r = await bed.client().getProducer(config);
    expect(mustFail(r).category).toBe("UNSUPPORTED");
  }, { when: CODECS.some((c) => !caps.compression.includes(c)) || !caps.idempotentProducer });

  test("invalid input gives VALIDATION and never a throw", async (bed) => {
    const topic = await bed.topic();
    const producer = await bed.producer();
    const admin = await bed.admin();
    const consumer = must(await bed.client().getConsumer({ groupId: bed.name("g") }));
    must(await consumer.connect());
    const calls = [
      () => producer.send("bad topic!", { value: "x" }),
      () => producer.send(topic, { value: 42 } as never),
      () => producer.send(topic, { value: "x", partition: -1 }),
      () => producer.sendBatch("nope" as never),
      () => admin.createTopics([{ topic: bed.name("t"), numPartitions: 0 }]),
      () => admin.deleteTopics([""]),
      () => consumer.subscribe({ topics: [] }),
    ];
    for (const call of calls) {
      let result: Awaited<ReturnType<(typeof calls)[number]>> | undefined;
      await expect((async () => (result = await call()))()).resolves.toBeDefined();
      expect(mustFail(result!).category).toBe("VALIDATION");
    }
    expect(mustFail(await bed.client().getConsumer({ groupId: "" } as never)).category).toBe("VALIDATION");
  });
});
