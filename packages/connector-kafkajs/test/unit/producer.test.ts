// The producer driver's mapping of routed records to one kafkajs sendBatch, and of kafkajs's
// per-partition answers to per-record results (offsetsFromBase). kafkajs's sendBatch is
// replaced on the native producer: no broker needed.
import type { RoutedRecord } from "@qi/streaming/connector";
import type { ProducerBatch, RecordMetadata } from "kafkajs";
import { expect, test } from "vitest";
import { kafkajsConnector } from "../../src/index.js";
import { resolve } from "./resolve.js";

async function driverAnswering(answer: RecordMetadata[], acks?: 0 | 1 | "all") {
  const { context, producer } = await resolve({}, acks === undefined ? undefined : { acks });
  const driver = kafkajsConnector.createProducer(context, producer);
  const sent: ProducerBatch[] = [];
  (driver.native() as { sendBatch: (b: ProducerBatch) => Promise<RecordMetadata[]> }).sendBatch = async (batch) => {
    sent.push(batch);
    return answer;
  };
  return { driver, sent };
}

const record = (topic: string, partition: number, value: string, extra: Partial<RoutedRecord> = {}): RoutedRecord => ({ topic, partition, key: null, value: Buffer.from(value), headers: {}, timestamp: undefined, ...extra });
const meta = (topicName: string, partition: number, baseOffset: string): RecordMetadata => ({ topicName, partition, errorCode: 0, baseOffset });

test("one request for every topic, each record to the partition core chose, results in input order", async () => {
  const { driver, sent } = await driverAnswering([meta("a", 0, "10"), meta("a", 1, "20"), meta("b", 0, "5")]);
  const records = [record("a", 1, "x"), record("b", 0, "y"), record("a", 0, "z"), record("a", 1, "w", { key: Buffer.from("k"), timestamp: 1700000000000, headers: { h: Buffer.from("v") } })];
  const results = await driver.send(records);
  expect(results).toEqual([
    { topic: "a", partition: 1, offset: "20" },
    { topic: "b", partition: 0, offset: "5" },
    { topic: "a", partition: 0, offset: "10" },
    { topic: "a", partition: 1, offset: "21" },
  ]);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ acks: -1, timeout: 30_000 });
  expect(sent[0]!.topicMessages!.map((t) => [t.topic, t.messages.map((m) => m.partition)])).toEqual([
    ["a", [1, 0, 1]],
    ["b", [0]],
  ]);
  expect(sent[0]!.topicMessages![0]!.messages[2]).toEqual({ key: Buffer.from("k"), value: Buffer.from("w"), headers: { h: Buffer.from("v") }, partition: 1, timestamp: "1700000000000" });
  expect(sent[0]!.topicMessages![0]!.messages[0]).not.toHaveProperty("timestamp");
});

test("acks 0: kafkajs answers nothing, every offset is -1", async () => {
  const { driver, sent } = await driverAnswering([], 0);
  expect(await driver.send([record("a", 0, "x"), record("a", 1, "y")])).toEqual([
    { topic: "a", partition: 0, offset: "-1" },
    { topic: "a", partition: 1, offset: "-1" },
  ]);
  expect(sent[0]).toMatchObject({ acks: 0 });
});
