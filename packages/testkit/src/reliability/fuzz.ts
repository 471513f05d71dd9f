/**
 * Bad input: property-based fuzzing of every public method (wrong types, huge values, invalid
 * topic names, negative or NaN partitions, malformed offsets, calls in the wrong order). Every
 * call returns a Result (an error for bad input); nothing throws; no unhandled rejection; the
 * client still works afterwards.
 */
import fc from "fast-check";
import { isQiError, type QiError, type ResultAsync, type IStreamingAdmin, type IStreamingConsumer, type IStreamingProducer } from "@qi/streaming";
import { expect } from "vitest";
import { must } from "../suite/bed.js";
import { defineGroup } from "../suite/group.js";
import type { ReliabilityOptions } from "./options.js";

interface Roles {
  producer: IStreamingProducer;
  consumer: IStreamingConsumer;
  admin: IStreamingAdmin;
  topic: string;
}

const junk = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(undefined, null, NaN, -1, 1.5, 2 ** 31, Infinity, "", "bad topic!", "a".repeat(300), "..", [], {}, () => 1, Symbol("s"), 10n),
  fc.string({ maxLength: 40 }),
);
const offset = fc.oneof(junk, fc.constantFrom("-1", "abc", "1e3", "99999999999999999999", "0", "3"));
const message = fc.oneof(junk, fc.record({ value: fc.oneof(junk, fc.string()), key: junk, headers: junk, partition: junk, timestamp: junk }, { requiredKeys: [] }));

type Call = (r: Roles, a: unknown, b: unknown, c: unknown) => ResultAsync<unknown, QiError>;

const CALLS: Record<string, Call> = {
  send: (r, a, b) => r.producer.send(a as never, b as never),
  sendValidTopic: (r, _a, b) => r.producer.send(r.topic, b as never),
  sendBatch: (r, a) => r.producer.sendBatch(a as never),
  sendBatchItems: (r, a, b) => r.producer.sendBatch([{ topic: r.topic, message: a as never }, { topic: b as never, message: { value: "x" } }]),
  flush: (r) => r.producer.flush(),
  subscribe: (r, a) => r.consumer.subscribe(a as never),
  subscribeTopics: (r, a, b) => r.consumer.subscribe({ topics: a as never, fromBeginning: b as never }),
  run: (r, a) => r.consumer.run(a as never),
  seek: (r, a, b, c) => r.consumer.seek(a as never, b as never, c as never),
  seekTopic: (r, _a, b, c) => r.consumer.seek(r.topic, b as never, c as never),
  pause: (r, a) => r.consumer.pause(a as never),
  resume: (r, a) => r.consumer.resume([{ topic: r.topic, partition: a as never }]),
  commit: (r, a) => r.consumer.commitOffsets(a as never),
  commitItem: (r, a, b) => r.consumer.commitOffsets([{ topic: r.topic, partition: a as never, offset: b as never }]),
  createTopics: (r, a) => r.admin.createTopics(a as never),
  createTopic: (r, a, b) => r.admin.createTopics([{ topic: a as never, numPartitions: b as never }]),
  deleteTopics: (r, a) => r.admin.deleteTopics(a as never),
  metadata: (r, a) => r.admin.getTopicMetadata(a as never),
  offsets: (r, a, b) => r.admin.fetchCommittedOffsets(a as never, b as never),
};

/** Bad-input group: `fuzzRuns` generated calls; every one returns a Result, none throws or rejects. */
export const fuzzTests = defineGroup<ReliabilityOptions>("bad input", ({ test, options }) => {
  const runs = options.fuzzRuns ?? 10_000;
  test(`${runs.toLocaleString("en")} generated calls over every public method: each returns a Result, nothing throws, the client still works`, async (bed) => {
    const topic = await bed.topic(2);
    const client = bed.client();
    const roles: Roles = {
      producer: must(await client.getProducer()),
      consumer: must(await client.getConsumer({ groupId: bed.name("g") })),
      admin: must(await client.getAdmin()),
      topic,
    };
    must(await roles.producer.connect());
    must(await roles.consumer.connect());
    must(await roles.admin.connect());
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    let errors = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...Object.keys(CALLS)), junk, message, offset, async (name, a, b, c) => {
          let result: unknown;
          try {
            result = await CALLS[name]!(roles, a, b, c);
          } catch (thrown) {
            throw new Error(`${name} threw: ${String(thrown)}`);
          }
          const r = result as { isOk?: () => boolean; isErr?: () => boolean; error?: unknown };
          expect(typeof r.isOk === "function" && typeof r.isErr === "function").toBe(true);
          if (r.isErr!()) {
            errors++;
            expect(isQiError(r.error)).toBe(true);
          }
        }),
        { numRuns: runs, seed: 42 },
      );
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
    must(await roles.producer.send(topic, { key: "after", value: "fuzz" }));
    expect(must(await roles.admin.listTopics())).toContain(topic);
    bed.report(`fuzzing: ${runs} calls, ${errors} error results, 0 throws, 0 unhandled rejections`);
  }, { timeout: 600_000 });
});
