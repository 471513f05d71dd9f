// The producer driver's mapping of routed records to one platformatic send, and of platformatic's
// per-partition base offsets to per-record results (offsetsFromBase). platformatic's send is
// replaced on the native producer: no broker needed.
import type { ProducerConfig } from "@qi/streaming";
import type { RoutedRecord } from "@qi/streaming/connector";
import type { MessageToProduce, ProduceResult } from "@platformatic/kafka";
import { expect, test } from "vitest";
import { platformaticConnector } from "../../src/index.js";
import { resolve } from "./resolve.js";

type Sent = { messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[]; acks?: number };

async function driverAnswering(answer: ProduceResult, producerConfig?: ProducerConfig) {
  const { context, producer } = await resolve({}, producerConfig);
  const driver = platformaticConnector.createProducer(context, producer);
  const sent: Sent[] = [];
  (driver.native() as { send: (o: Sent) => Promise<ProduceResult> }).send = async (options) => {
    sent.push(options);
    return answer;
  };
  return { driver, sent };
}

const record = (topic: string, partition: number, value: string, extra: Partial<RoutedRecord> = {}): RoutedRecord => ({ topic, partition, key: null, value: Buffer.from(value), headers: {}, timestamp: undefined, ...extra });

test("one request, each record to the partition core chose, results in input order", async () => {
  const { driver, sent } = await driverAnswering({ offsets: [{ topic: "a", partition: 0, offset: 10n }, { topic: "a", partition: 1, offset: 20n }, { topic: "b", partition: 0, offset: 5n }] }, { idempotent: true });
  const records = [record("a", 1, "x"), record("b", 0, "y"), record("a", 0, "z"), record("a", 1, "w", { key: Buffer.from("k"), timestamp: 1_700_000_000_000, headers: { h: Buffer.from("v") } })];
  expect(await driver.send(records)).toEqual([
    { topic: "a", partition: 1, offset: "20" },
    { topic: "b", partition: 0, offset: "5" },
    { topic: "a", partition: 0, offset: "10" },
    { topic: "a", partition: 1, offset: "21" },
  ]);
  expect(sent).toHaveLength(1);
  // Idempotent: no acks on the send (platformatic requires all and sets it).
  expect(sent[0]).not.toHaveProperty("acks");
  const last = sent[0]!.messages[3]!;
  expect(last).toMatchObject({ topic: "a", partition: 1, key: Buffer.from("k"), value: Buffer.from("w"), timestamp: 1_700_000_000_000n });
  expect([...(last.headers as Map<Buffer, Buffer>)]).toEqual([[Buffer.from("h"), Buffer.from("v")]]);
  expect(sent[0]!.messages[0]).toMatchObject({ key: undefined });
  expect(sent[0]!.messages[0]).not.toHaveProperty("timestamp");
});

test("acks go with every send (platformatic's send defaults to leader only)", async () => {
  for (const [acks, expected] of [[undefined, -1], ["all", -1], [1, 1]] as const) {
    const { driver, sent } = await driverAnswering({ offsets: [{ topic: "a", partition: 0, offset: 3n }] }, acks === undefined ? { idempotent: false } : { acks, idempotent: false });
    await driver.send([record("a", 0, "x")]);
    expect(sent[0]!.acks).toBe(expected);
  }
});

test("acks 0: the broker answers nothing, every offset is -1", async () => {
  const { driver, sent } = await driverAnswering({ unwritableNodes: [] }, { acks: 0 });
  expect(await driver.send([record("a", 0, "x"), record("a", 0, "y")])).toEqual([
    { topic: "a", partition: 0, offset: "-1" },
    { topic: "a", partition: 0, offset: "-1" },
  ]);
  expect(sent[0]!.acks).toBe(0);
});

test("flush has nothing to wait for; disconnect closes the client", async () => {
  const { driver } = await driverAnswering({});
  await driver.flush();
  await driver.disconnect();
});
