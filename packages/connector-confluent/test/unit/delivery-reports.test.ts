// The client's delivery reports (one per topic and partition written, with its first offset)
// mapped to one result per record through the kit's offsetsFromBase. No broker needed.
import type { RoutedRecord } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { produceResults } from "../../src/producer.js";

const record = (topic: string, partition: number): RoutedRecord => ({ topic, partition, key: null, value: Buffer.from("v"), headers: {}, timestamp: undefined });

describe("delivery reports", () => {
  test("one record, one report: its base offset", () => {
    expect(produceResults([record("t", 2)], [{ topicName: "t", partition: 2, baseOffset: "41" }])).toEqual([{ topic: "t", partition: 2, offset: "41" }]);
  });

  test("records of one partition get consecutive offsets, in input order, across topics", () => {
    const records = [record("a", 0), record("b", 0), record("a", 1), record("a", 0), record("b", 0), record("a", 0)];
    const reports = [
      { topicName: "a", partition: 0, baseOffset: "10" },
      { topicName: "a", partition: 1, baseOffset: "7" },
      { topicName: "b", partition: 0, baseOffset: "99999999999999999" },
    ];
    expect(produceResults(records, reports).map((r) => `${r.topic}/${r.partition}@${r.offset}`)).toEqual([
      "a/0@10",
      "b/0@99999999999999999",
      "a/1@7",
      "a/0@11",
      "b/0@100000000000000000",
      "a/0@12",
    ]);
  });

  test("no offset from the broker (acks 0: librdkafka answers -1001, or none) is -1 for every record", () => {
    const records = [record("t", 0), record("t", 0), record("t", 1)];
    const reports = [
      { topicName: "t", partition: 0, baseOffset: "-1001" },
      { topicName: "t", partition: 1, baseOffset: null },
    ];
    expect(produceResults(records, reports).map((r) => r.offset)).toEqual(["-1", "-1", "-1"]);
    expect(produceResults([record("t", 0)], [])).toEqual([{ topic: "t", partition: 0, offset: "-1" }]);
  });
});
