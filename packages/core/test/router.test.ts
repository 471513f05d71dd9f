import { describe, expect, it } from "vitest";
import { normalizeOutgoing, offsetsFromBase, partitionForKey, type OutgoingRecord, type RoutedRecord } from "./both-surfaces.js";
import { PartitionRouter } from "../src/partitioner/router.js";

const rec = (topic: string, m: Parameters<typeof normalizeOutgoing>[1]): OutgoingRecord => normalizeOutgoing(topic, m)._unsafeUnwrap();

describe("PartitionRouter", () => {
  it("routes keys by Java murmur2, spreads key-less records, keeps explicit partitions", async () => {
    const router = new PartitionRouter(async () => 6);
    const parts = await router.route([rec("t", { key: "foobar", value: "a" }), rec("t", { value: "b", partition: 5 }), rec("t", { value: "c" }), rec("t", { value: "d" })]);
    expect(parts[0]).toBe(partitionForKey("foobar", 6));
    expect(parts[1]).toBe(5);
    expect(parts[2]).not.toBe(parts[3]);
  });

  it("rejects a partition that does not exist after refreshing the count once", async () => {
    let fetched = 0;
    const router = new PartitionRouter(async () => (fetched++, 2));
    await expect(router.route([rec("t", { value: "x", partition: 2 })])).rejects.toMatchObject({ category: "VALIDATION", code: "PARTITION_NOT_FOUND" });
    expect(fetched).toBe(2);
  });

  it("sees partitions added since the count was cached", async () => {
    let count = 2;
    const router = new PartitionRouter(async () => count);
    await router.route([rec("t", { value: "x" })]);
    count = 4;
    expect(await router.route([rec("t", { value: "x", partition: 3 })])).toEqual([3]);
  });

  it("reports a missing topic as NOT_FOUND", async () => {
    const router = new PartitionRouter(async () => undefined);
    await expect(router.route([rec("gone", { value: "x" })])).rejects.toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
  });
});

describe("offsetsFromBase", () => {
  it("numbers records of one partition consecutively from the base, in input order", () => {
    const at = (topic: string, partition: number): RoutedRecord => ({ ...rec(topic, { value: "v" }), partition });
    const records = [at("a", 0), at("a", 1), at("b", 0), at("a", 0)];
    const reports = [
      { topic: "a", partition: 0, baseOffset: 10n },
      { topic: "a", partition: 1, baseOffset: "5" },
      { topic: "b", partition: 0, baseOffset: 0 },
    ];
    const out = offsetsFromBase(records, reports);
    expect(out.map((o) => `${o.topic}/${o.partition}/${o.offset}`)).toEqual(["a/0/10", "a/1/5", "b/0/0", "a/0/11"]);
  });

  it("answers -1 for a partition the client reported nothing for (acks 0)", () => {
    const out = offsetsFromBase([{ ...rec("a", { value: "v" }), partition: 2 }], []);
    expect(out).toEqual([{ topic: "a", partition: 2, offset: "-1" }]);
  });
});

describe("PartitionRouter under concurrency", () => {
  it("asks for a topic's partition count once however many sends wait for it", async () => {
    let fetched = 0;
    const router = new PartitionRouter(async () => {
      fetched++;
      await new Promise((r) => setTimeout(r, 10));
      return 3;
    });
    await Promise.all(Array.from({ length: 100 }, () => router.route([rec("t", { value: "x" })])));
    expect(fetched).toBe(1);
  });
});
