// The producer driver's answer to kafkajs issue #598: a send refused for its producer id
// (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_EPOCH) replaces the kafkajs
// producer with a fresh one, which takes a new producer id at connect. Fake kafkajs producers:
// no broker needed.
import type { RoutedRecord } from "@qi/streaming/connector";
import * as kafkajs from "kafkajs";
import type { Producer, ProducerBatch, RecordMetadata } from "kafkajs";
import { expect, test } from "vitest";
import { needsNewProducerId } from "../../src/errors.js";
import { KafkajsProducerDriver } from "../../src/producer.js";
import { resolve } from "./resolve.js";

type ErrorClass = new (message: unknown, extra?: object) => Error;
const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError, KafkaJSConnectionError } = kafkajs as unknown as Record<
  "KafkaJSProtocolError" | "KafkaJSNumberOfRetriesExceeded" | "KafkaJSNonRetriableError" | "KafkaJSConnectionError",
  ErrorClass
>;
const protocol = (code: number, type: string) => new KafkaJSProtocolError({ message: type, type, code, retriable: false });
const outOfOrder = () => protocol(45, "OUT_OF_ORDER_SEQUENCE_NUMBER");

/** A fake kafkajs producer: each send waits until the test answers it. */
class FakeProducer {
  readonly sends: { batch: ProducerBatch; answer: (r: RecordMetadata[] | Error) => void }[] = [];
  connects = 0;
  disconnects = 0;
  constructor(
    readonly id: number,
    private readonly failConnect = false,
    private readonly failDisconnect = false,
  ) {}
  async connect(): Promise<void> {
    this.connects++;
    if (this.failConnect) throw new KafkaJSConnectionError("refused");
  }
  async disconnect(): Promise<void> {
    this.disconnects++;
    if (this.failDisconnect) throw new Error("disconnect failed");
  }
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return new Promise((ok, fail) => this.sends.push({ batch, answer: (r) => (r instanceof Error ? fail(r) : ok(r)) }));
  }
}

async function driverOver(...producers: FakeProducer[]) {
  const { context, producer } = await resolve();
  const made: FakeProducer[] = [];
  const driver = new KafkajsProducerDriver(context.config, producer, () => {
    const next = producers[made.length];
    if (!next) throw new Error("no more fake producers");
    made.push(next);
    return next as unknown as Producer;
  });
  return { driver, made };
}

const record = (partition: number): RoutedRecord => ({ topic: "t", partition, key: null, value: Buffer.from("v"), headers: {}, timestamp: undefined });
const meta = (partition: number, baseOffset: string): RecordMetadata => ({ topicName: "t", partition, errorCode: 0, baseOffset });
const tick = () => new Promise((r) => setTimeout(r, 0));

test("needsNewProducerId: the three producer-id errors, bare or in kafkajs's retry wrappers; nothing else", () => {
  for (const [code, type] of [[45, "OUT_OF_ORDER_SEQUENCE_NUMBER"], [59, "UNKNOWN_PRODUCER_ID"], [47, "INVALID_PRODUCER_EPOCH"]] as const) {
    const error = protocol(code, type);
    expect(needsNewProducerId(error)).toBe(true);
    expect(needsNewProducerId(new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 3, retryTime: 100 }))).toBe(true);
    expect(needsNewProducerId(new KafkaJSNonRetriableError(error, { cause: error }))).toBe(true);
  }
  for (const other of [protocol(46, "DUPLICATE_SEQUENCE_NUMBER"), protocol(6, "NOT_LEADER_FOR_PARTITION"), new KafkaJSConnectionError("refused"), new Error("x"), null, undefined, "OUT_OF_ORDER_SEQUENCE_NUMBER"]) {
    expect(needsNewProducerId(other)).toBe(false);
  }
});

test("sends failing together for their producer id: each rethrows its own error, one fresh producer, the old one disconnected, later sends wait for it", async () => {
  const first = new FakeProducer(1);
  const fresh = new FakeProducer(2);
  const { driver, made } = await driverOver(first, fresh);

  const a = driver.send([record(0)]);
  const b = driver.send([record(1)]);
  await tick();
  expect(first.sends).toHaveLength(2);
  const errorA = outOfOrder();
  first.sends[0]!.answer(errorA);
  await expect(a).rejects.toBe(errorA);

  // Under way: a send arriving now waits for the replacement, which waits for b.
  const c = driver.send([record(2)]);
  await tick();
  expect(first.sends).toHaveLength(2);
  expect(made).toHaveLength(1);
  const errorB = new KafkaJSNumberOfRetriesExceeded(outOfOrder(), { retryCount: 1, retryTime: 100 });
  first.sends[1]!.answer(errorB);
  await expect(b).rejects.toBe(errorB);
  await tick();

  expect(made).toHaveLength(2);
  expect(fresh.connects).toBe(1);
  expect(first.disconnects).toBe(1);
  expect(driver.native()).toBe(fresh);
  expect(fresh.sends).toHaveLength(1);
  fresh.sends[0]!.answer([meta(2, "7")]);
  expect(await c).toEqual([{ topic: "t", partition: 2, offset: "7" }]);
});

test("other errors keep the producer", async () => {
  const first = new FakeProducer(1);
  const { driver, made } = await driverOver(first);
  const sent = driver.send([record(0)]);
  await tick();
  first.sends[0]!.answer(new KafkaJSConnectionError("refused"));
  await expect(sent).rejects.toThrow("refused");
  await tick();
  expect(made).toHaveLength(1);
  expect(first.disconnects).toBe(0);
});

test("an old producer whose disconnect fails is dropped quietly; a fresh one that does not connect is dropped and the old one kept, the next failure tries again", async () => {
  const first = new FakeProducer(1, false, true);
  const unreachable = new FakeProducer(2, true);
  const third = new FakeProducer(3);
  const { driver, made } = await driverOver(first, unreachable, third);

  const a = driver.send([record(0)]);
  await tick();
  first.sends[0]!.answer(outOfOrder());
  await expect(a).rejects.toThrow("OUT_OF_ORDER_SEQUENCE_NUMBER");
  await tick();
  expect(unreachable.connects).toBe(1);
  expect(unreachable.disconnects).toBe(1);
  expect(driver.native()).toBe(first);

  const b = driver.send([record(0)]);
  await tick();
  first.sends[1]!.answer(protocol(59, "UNKNOWN_PRODUCER_ID"));
  await expect(b).rejects.toThrow("UNKNOWN_PRODUCER_ID");
  await tick();
  expect(made).toHaveLength(3);
  expect(driver.native()).toBe(third);
  expect(first.disconnects).toBe(1);

  // disconnect() closes the current producer, not the retired one again.
  await driver.disconnect();
  expect(third.disconnects).toBe(1);
  expect(first.disconnects).toBe(1);
});
