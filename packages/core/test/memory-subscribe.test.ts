// Memory: subscribing to a missing topic is NOT_FOUND, unless the cluster auto-creates topics,
// in which case the topic exists (one partition) and nothing is refused.
import { describe, expect, it } from "vitest";
import { createStreamingClient, silentLogger } from "../src/index.js";

const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function subscribeMissing(autoCreateTopics: boolean) {
  const cluster = unique("cluster");
  const topic = unique("missing");
  const client = createStreamingClient({ logger: silentLogger, options: { cluster, autoCreateTopics } })._unsafeUnwrap();
  const consumer = (await client.getConsumer({ groupId: unique("g") }))._unsafeUnwrap();
  expect((await consumer.connect()).isOk()).toBe(true);
  const subscribed = await consumer.subscribe({ topics: [topic] });
  const admin = (await client.getAdmin())._unsafeUnwrap();
  expect((await admin.connect()).isOk()).toBe(true);
  const topics = (await admin.listTopics())._unsafeUnwrap();
  void (await client.disconnect());
  return { subscribed, exists: topics.includes(topic) };
}

describe("memory: subscribe to a topic that does not exist", () => {
  it("is NOT_FOUND / TOPIC_NOT_FOUND and creates nothing by default", async () => {
    const { subscribed, exists } = await subscribeMissing(false);
    expect(subscribed.isErr() && subscribed.error).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
    expect(exists).toBe(false);
  });

  it("creates the topic and succeeds with autoCreateTopics: true", async () => {
    const { subscribed, exists } = await subscribeMissing(true);
    expect(subscribed.isOk()).toBe(true);
    expect(exists).toBe(true);
  });
});
