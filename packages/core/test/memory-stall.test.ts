// Stall detection on the memory connector: a handler that never returns, a partition whose
// deliveries never arrive, a member that lost its partitions; each its own code, through onError,
// the `stalled` event and client.health(), and gone once the stall ends. A healthy slow consumer
// and a user pause raise nothing.
import { describe, expect, it } from "vitest";
import type { BatchSink, ConsumerDriver, IStreamingConnector } from "../src/connector.js";
import { memoryConnector } from "../src/memory/connector.js";
import { createStreamingClient, silentLogger, type ConsumerConfig, type QiError, type StreamingClient } from "../src/index.js";
import { admin, client, closeClientsAfterEach, unique } from "./fixtures/memory-clients.js";

closeClientsAfterEach();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await sleep(10);
  return what();
}

async function topicWith(cluster: string, partitions: number, messages: number) {
  const topic = unique("stall");
  const a = await admin(cluster);
  (await a.createTopics([{ topic, numPartitions: partitions }]))._unsafeUnwrap();
  const producer = (await client(cluster).getProducer())._unsafeUnwrap();
  (await producer.connect())._unsafeUnwrap();
  // Explicit partitions, so each partition surely has lag.
  const batch = Array.from({ length: messages }, (_, i) => ({ topic, message: { key: `k${i}`, value: String(i), partition: i % partitions } }));
  (await producer.sendBatch(batch))._unsafeUnwrap();
  return topic;
}

/** A memory connector whose consumer driver can swallow a partition's deliveries and drive the sink by hand. */
function wrapped(swallow: (partition: number) => boolean, sinks: BatchSink[]): IStreamingConnector {
  return {
    ...memoryConnector,
    name: "memory-wrapped",
    createConsumer(context, config): ConsumerDriver {
      const inner = memoryConnector.createConsumer(context, config);
      return new Proxy(inner, {
        get(target, prop, receiver) {
          if (prop !== "start") return Reflect.get(target, prop, receiver) as unknown;
          return (sink: BatchSink) => {
            sinks.push(sink);
            return target.start({ ...sink, deliver: (batch) => (swallow(batch.partition) ? Promise.resolve() : sink.deliver(batch)) });
          };
        },
      });
    },
  };
}

async function member(c: StreamingClient, topic: string, config: Omit<ConsumerConfig, "groupId">, eachMessage: () => Promise<void>) {
  const errors: QiError[] = [];
  const stalled: QiError[] = [];
  const consumer = (await c.getConsumer({ groupId: unique("g"), onError: (e) => errors.push(e), ...config }))._unsafeUnwrap();
  consumer.on("stalled", (e) => void stalled.push(e.error));
  (await consumer.connect())._unsafeUnwrap();
  (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
  (await consumer.run({ eachMessage }))._unsafeUnwrap();
  return { consumer, errors, stalled };
}

const codes = (errors: readonly QiError[]) => errors.map((e) => e.code);

describe("memory: stall detection", () => {
  it("a handler that does not return is HANDLER_STALLED (onError, event, health) until it returns", async () => {
    const cluster = unique("c");
    const topic = await topicWith(cluster, 1, 2);
    const c = client(cluster);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const m = await member(c, topic, { stallDetection: { handlerMs: 200, fetchMs: false, membershipMs: false } }, () => held);
    expect(await waitFor(() => m.stalled.length > 0, 3000)).toBe(true);
    const e = m.stalled[0]!;
    expect(e).toMatchObject({ category: "HANDLER", code: "HANDLER_STALLED", context: { topic, partition: 0, offset: "0" } });
    expect(codes(m.errors)).toEqual(["HANDLER_STALLED"]);
    const health = (await c.health())._unsafeUnwrap();
    expect(health.healthy).toBe(false);
    expect(codes(health.problems)).toEqual(["HANDLER_STALLED"]);
    release();
    expect(await waitFor(() => m.consumer.assignment().length > 0, 1000)).toBe(true);
    await sleep(100);
    expect((await c.health())._unsafeUnwrap()).toMatchObject({ healthy: true, problems: [] });
    // Reported once per stall.
    expect(codes(m.errors)).toEqual(["HANDLER_STALLED"]);
  });

  it("a partition with lag that receives nothing is FETCH_STALLED, that partition only; a paused one is not", async () => {
    const cluster = unique("c");
    const topic = await topicWith(cluster, 3, 30);
    const sinks: BatchSink[] = [];
    const c = createStreamingClient({ connector: wrapped((p) => p === 1, sinks), logger: silentLogger, options: { cluster } })._unsafeUnwrap();
    let handled = 0;
    const m = await member(c, topic, { stallDetection: { handlerMs: false, fetchMs: 300, membershipMs: false } }, async () => void handled++);
    expect(await waitFor(() => handled === 20, 3000)).toBe(true);
    // Partition 2 is paused by the user, then gets messages: lag, but not a stall.
    (await m.consumer.pause([{ topic, partition: 2 }]))._unsafeUnwrap();
    const producer = (await c.getProducer())._unsafeUnwrap();
    (await producer.connect())._unsafeUnwrap();
    (await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic, message: { key: `late${i}`, value: "late", partition: 2 } }))))._unsafeUnwrap();
    expect(await waitFor(() => m.stalled.length > 0, 3000)).toBe(true);
    await sleep(600);
    expect(handled).toBe(20);
    expect(m.stalled.map((e) => [e.code, e.context.partition])).toEqual([["FETCH_STALLED", 1]]);
    expect(m.stalled[0]).toMatchObject({ category: "TIMEOUT", context: { topic, lag: "10" } });
    expect(codes((await c.health())._unsafeUnwrap().problems)).toEqual(["FETCH_STALLED"]);
    // Resumed, partition 2 is read; still one stall, partition 1's.
    (await m.consumer.resume([{ topic, partition: 2 }]))._unsafeUnwrap();
    expect(await waitFor(() => handled === 25, 3000)).toBe(true);
    await sleep(600);
    expect(m.stalled.map((e) => e.context.partition)).toEqual([1]);
    await c.disconnect();
  });

  it("partitions at their end, and a slow healthy handler, raise nothing", async () => {
    const cluster = unique("c");
    const topic = await topicWith(cluster, 2, 12);
    const c = client(cluster);
    let handled = 0;
    const m = await member(c, topic, { stallDetection: { handlerMs: 400, fetchMs: 300, membershipMs: 300 } }, async () => {
      await sleep(50 + Math.random() * 100);
      handled++;
    });
    expect(await waitFor(() => handled === 12, 5000)).toBe(true);
    await sleep(1000);
    expect(m.stalled).toEqual([]);
    expect(m.errors).toEqual([]);
    expect((await c.health())._unsafeUnwrap().healthy).toBe(true);
  });

  it("a member that lost its partitions and is not assigned again is MEMBERSHIP_LOST, until it is", async () => {
    const cluster = unique("c");
    const topic = await topicWith(cluster, 2, 2);
    const sinks: BatchSink[] = [];
    const c = createStreamingClient({ connector: wrapped(() => false, sinks), logger: silentLogger, options: { cluster } })._unsafeUnwrap();
    const m = await member(c, topic, { stallDetection: { handlerMs: false, fetchMs: false, membershipMs: 300 } }, async () => undefined);
    const owned = m.consumer.assignment();
    expect(owned.length).toBe(2);
    // The client takes everything away (as after a session timeout) and says nothing more.
    await sinks[0]!.revoked!(owned);
    expect(await waitFor(() => m.stalled.length > 0, 3000)).toBe(true);
    expect(m.stalled[0]).toMatchObject({ category: "STATE", code: "MEMBERSHIP_LOST", retriable: true });
    expect(codes((await c.health())._unsafeUnwrap().problems)).toEqual(["MEMBERSHIP_LOST"]);
    sinks[0]!.assigned!(owned);
    expect((await c.health())._unsafeUnwrap().healthy).toBe(true);
    await c.disconnect();
  });
});
