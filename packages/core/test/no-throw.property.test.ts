/**
 * Property: no public method throws or rejects, whatever it is given. fast-check throws
 * arbitrary values at every method, in any order, and the client keeps working afterwards.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configFromEnv, createStreamingClient, isQiError, type StreamingClient } from "./both-surfaces.js";

const anything = fc.oneof(
  fc.anything(),
  fc.constantFrom(undefined, null, NaN, -1, 2 ** 40, "", "ok-topic", "bad topic!", [], {}, Buffer.alloc(3), "earliest", { timestamp: 0 }, [{ partition: 0, offset: "0" }], { "retention.ms": "1" }),
  fc.record({ topic: fc.string(), message: fc.anything() }),
  fc.record({ value: fc.oneof(fc.string(), fc.constant(null), fc.integer()), key: fc.anything(), partition: fc.oneof(fc.integer(), fc.double()) }),
);

type Call = (client: StreamingClient, args: unknown[]) => Promise<unknown> | unknown;

const CALLS: Record<string, Call> = {
  getProducer: (c, a) => c.getProducer(a[0] as never),
  getConsumer: (c, a) => c.getConsumer(a[0] as never),
  getAdmin: (c) => c.getAdmin(),
  isHealthy: (c) => c.isHealthy(),
  send: async (c, a) => (await c.getProducer()).asyncAndThen((p) => p.send(a[0] as never, a[1] as never)),
  sendBatch: async (c, a) => (await c.getProducer()).asyncAndThen((p) => p.sendBatch(a[0] as never)),
  producerConnect: async (c) => (await c.getProducer()).asyncAndThen((p) => p.connect()),
  flush: async (c) => (await c.getProducer()).asyncAndThen((p) => p.flush()),
  transaction: async (c) => (await c.getProducer()).asyncAndThen((p) => p.transaction()),
  transactionAll: async (c, a) => {
    const r = await c.getProducer({ transactionalId: "fuzz-tx" });
    if (r.isErr()) return r;
    const p = r.value;
    await p.connect();
    const t = await p.transaction();
    if (t.isErr()) return t;
    const tx = t.value;
    return Promise.all([tx.send(a[0] as never, a[1] as never), tx.sendBatch(a[2] as never), tx.sendOffsets(a[0] as never), tx.sendOffsets({ groupId: a[1], offsets: a[2] } as never), a[0] ? tx.commit() : tx.abort(), tx.abort(), p.send(a[0] as never, a[1] as never)]);
  },
  runExactlyOnce: async (c, a) => {
    const r = await c.getConsumer({ groupId: "fuzz-eos" });
    if (r.isErr()) return r;
    return r.value.run({ eachMessage: () => undefined, exactlyOnce: a[0] } as never);
  },
  consumerAll: async (c, a) => {
    const r = await c.getConsumer({ groupId: "fuzz" });
    if (r.isErr()) return r;
    const k = r.value;
    return Promise.all([
      k.connect(),
      k.subscribe(a[0] as never),
      k.run(a[1] as never),
      k.seek(a[0] as never, a[1] as never, a[2] as never),
      k.seekToTimestamp(a[0] as never, a[1] as never, a[2] as never),
      k.pause(a[0] as never),
      k.resume(a[1] as never),
      k.commitOffsets(a[2] as never),
      k.disconnect(),
    ]);
  },
  adminAll: async (c, a) => {
    const r = await c.getAdmin();
    if (r.isErr()) return r;
    const m = r.value;
    return Promise.all([
      m.connect(),
      m.createTopics(a[0] as never),
      m.deleteTopics(a[1] as never),
      m.getTopicMetadata(a[2] as never),
      m.fetchCommittedOffsets(a[0] as never, a[1] as never),
      m.listTopics(),
      m.listGroups(),
      m.describeGroups(a[0] as never),
      m.deleteGroups(a[1] as never),
      m.fetchTopicOffsets(a[2] as never),
      m.fetchTopicOffsetsByTimestamp(a[0] as never, a[1] as never),
      m.resetOffsets(a[0] as never, a[1] as never, a[2] as never),
      m.groupLag(a[0] as never),
      m.createPartitions(a[1] as never, a[2] as never),
      m.deleteRecords(a[0] as never, a[1] as never),
      m.describeConfigs(a[2] as never),
      m.alterConfigs(a[0] as never, a[1] as never),
      m.describeCluster(),
    ]);
  },
};

describe("no public method throws or rejects", () => {
  it("createStreamingClient and configFromEnv return Results for any input", () => {
    fc.assert(
      fc.property(fc.anything(), fc.dictionary(fc.string(), fc.string()), (config, env) => {
        expect(() => createStreamingClient(config as never)).not.toThrow();
        expect(() => configFromEnv(env)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it("every method of every role returns a Result, in any order, and the client still works", async () => {
    const rejections: unknown[] = [];
    const onUnhandled = (e: unknown): void => void rejections.push(e);
    process.on("unhandledRejection", onUnhandled);
    const client = createStreamingClient({ options: { autoCreateTopics: true } })._unsafeUnwrap();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(CALLS)), fc.array(anything, { minLength: 3, maxLength: 3 }), async (name, args) => {
        const out = await CALLS[name]!(client, args);
        const results = Array.isArray(out) ? out : [out];
        for (const r of results) {
          const result = r as { isOk(): boolean; isErr(): boolean; error?: unknown };
          expect(result.isOk() || result.isErr()).toBe(true);
          if (result.isErr()) expect(isQiError(result.error)).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
    const producer = (await client.getProducer())._unsafeUnwrap();
    await producer.connect();
    expect((await producer.send("still-works", { value: "v" })).isOk()).toBe(true);
    await client.disconnect();
    process.off("unhandledRejection", onUnhandled);
    expect(rejections).toEqual([]);
  });
});
