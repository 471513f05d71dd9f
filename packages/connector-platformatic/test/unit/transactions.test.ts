// The transactions driver over a fake platformatic Producer and Transaction (recording every
// call, answering as platformatic does): registration at connect, partitions added one request
// at a time, no send outside the transaction, empty transactions ended locally, fencing, offsets
// and a failed end. No broker needed (the broker checks are the conformance group `transactions`).
import type { RoutedRecord } from "@qi/streaming/connector";
import { toQiError } from "@qi/streaming/connector";
import { kOptions, MultipleErrors, ProtocolError, ResponseError } from "@platformatic/kafka";
import { describe, expect, test } from "vitest";
import { PlatformaticConsumerDriver } from "../../src/consumer.js";
import { platformaticConnector } from "../../src/index.js";
import { toMessage } from "../../src/producer.js";
import { PlatformaticTransactions } from "../../src/transactions.js";
import { resolve } from "./resolve.js";

const tick = () => new Promise((r) => setTimeout(r, 5));
const protocolError = (id: string) => new ResponseError(0, 0, { "/": [new ProtocolError(id).apiCode, null] }, {});
const classified = (e: unknown) => toQiError(e, {}, platformaticConnector.classifyError);

/** A platformatic Transaction: records its calls; addPartitions and addOffset take a tick (the window a second call would be merged in). */
class FakeTransaction {
  completed = false;
  readonly calls: string[] = [];
  readonly partitions = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  failures: Partial<Record<"send" | "addPartitions" | "addOffset" | "commit" | "abort", unknown[]>> = {};
  constructor(private readonly producer: FakeProducer) {}
  private fail(name: keyof FakeTransaction["failures"]): void {
    const next = this.failures[name]?.shift();
    if (next) throw next;
  }
  private async slow<T>(name: string, body: () => T): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await tick();
      return body();
    } finally {
      this.inFlight--;
    }
  }
  async addPartitions(_metadata: unknown, messages: { topic: string; partition: number }[]) {
    return this.slow("addPartitions", () => {
      this.fail("addPartitions");
      for (const m of messages) this.partitions.add(`${m.topic}:${m.partition}`);
      this.calls.push(`addPartitions ${messages.map((m) => `${m.topic}:${m.partition}`).join(",")}`);
    });
  }
  async send(options: { messages: { topic: string; partition: number }[] }) {
    this.fail("send");
    for (const m of options.messages) if (!this.partitions.has(`${m.topic}:${m.partition}`)) throw new Error(`partition ${m.topic}:${m.partition} sent before it was added`);
    this.calls.push(`send ${options.messages.length}`);
    return { offsets: [{ topic: options.messages[0]!.topic, partition: options.messages[0]!.partition, offset: 40n }] };
  }
  async addConsumer(consumer: { groupId: string }) {
    this.calls.push(`addConsumer ${consumer.groupId}`);
  }
  async addOffset(message: { topic: string; partition: number; offset: bigint; metadata: { consumer: { groupId: string; generationId: number; memberId: string; coordinatorId: number } } }) {
    return this.slow("addOffset", () => {
      this.fail("addOffset");
      const c = message.metadata.consumer;
      this.calls.push(`addOffset ${message.topic}:${message.partition}@${message.offset} ${c.groupId}/${c.generationId}/${c.memberId}/${c.coordinatorId}`);
    });
  }
  async commit() {
    this.fail("commit");
    this.end("commit");
  }
  async abort() {
    this.fail("abort");
    this.end("abort");
  }
  async cancel() {
    this.calls.push("cancel");
    if (this.producer.transaction === this) this.producer.transaction = undefined;
  }
  private end(how: string): void {
    this.calls.push(how);
    this.completed = true;
    if (this.producer.transaction === this) this.producer.transaction = undefined;
  }
}

/** A platformatic Producer: beginTransaction records the producer id, epoch and `timeout` it ran InitProducerId with. */
class FakeProducer {
  [kOptions] = { timeout: 30_000 };
  transaction: FakeTransaction | undefined;
  readonly begins: { options: unknown; timeout: number }[] = [];
  readonly made: FakeTransaction[] = [];
  beginFailures: unknown[] = [];
  async beginTransaction(options: unknown) {
    if (this.transaction) throw new Error("There is already an active transaction.");
    const tx = new FakeTransaction(this);
    this.transaction = tx;
    this.begins.push({ options, timeout: this[kOptions].timeout });
    const failure = this.beginFailures.shift();
    if (failure) throw failure;
    this.made.push(tx);
    return tx;
  }
  async metadata({ topics }: { topics: string[] }) {
    return { topics: new Map(topics.map((t) => [t, { partitionsCount: 4 }])) };
  }
}

async function setup() {
  const { context } = await resolve();
  const producer = new FakeProducer();
  const tx = new PlatformaticTransactions({ client: () => producer as never, config: context.config, produceTimeout: 30_000, transactionTimeoutMs: 12_345 });
  return { producer, tx, context };
}

const record = (topic: string, partition: number): RoutedRecord => ({ topic, partition, key: null, value: Buffer.from("v"), headers: {}, timestamp: undefined });
const send = (t: PlatformaticTransactions, ...records: RoutedRecord[]) => t.send(records, records.map(toMessage));
const last = (p: FakeProducer) => p.made[p.made.length - 1]!;

describe("registration", () => {
  test("connect runs InitProducerId as a new producer (-1, -1) with the transaction timeout, then puts the send timeout back", async () => {
    const { producer, tx } = await setup();
    await tx.register(producer as never);
    expect(producer.begins).toEqual([{ options: { producerId: -1n, producerEpoch: -1 }, timeout: 12_345 }]);
    expect(producer[kOptions].timeout).toBe(30_000);
    // Cancelled locally: no transaction left open.
    expect(producer.transaction).toBeUndefined();
    expect(last(producer).calls).toEqual(["cancel"]);
  });

  test("a failed registration leaves no transaction behind and the send timeout in place", async () => {
    const { producer, tx } = await setup();
    producer.beginFailures.push(new Error("coordinator unavailable"));
    await expect(tx.register(producer as never)).rejects.toThrow("coordinator unavailable");
    expect(producer.transaction).toBeUndefined();
    expect(producer[kOptions].timeout).toBe(30_000);
  });
});

describe("sends", () => {
  test("partitions are added one request at a time, each once; the sends then join the transaction", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    const native = last(producer);
    const results = await Promise.all([send(tx, record("a", 0)), send(tx, record("a", 1)), send(tx, record("b", 0)), send(tx, record("a", 0))]);
    expect(results[1]).toEqual([{ topic: "a", partition: 1, offset: "40" }]);
    expect(native.maxInFlight).toBe(1);
    expect(native.calls.filter((c) => c.startsWith("addPartitions")).sort()).toEqual(["addPartitions a:0", "addPartitions a:1", "addPartitions b:0"]);
    expect(native.calls.filter((c) => c.startsWith("send"))).toHaveLength(4);
  });

  test("no transaction open: NOT_IN_TRANSACTION, nothing sent", async () => {
    const { producer, tx } = await setup();
    await expect(send(tx, record("a", 0))).rejects.toMatchObject({ code: "NOT_IN_TRANSACTION" });
    await tx.begin();
    await tx.commit();
    await expect(send(tx, record("a", 0))).rejects.toMatchObject({ code: "NOT_IN_TRANSACTION" });
    expect(producer.made.flatMap((t) => t.calls)).not.toContain("send 1");
  });

  test("platformatic lost its transaction before the send: refused, never handed to platformatic (it would send outside any transaction)", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    const native = last(producer);
    await send(tx, record("a", 0));
    producer.transaction = undefined;
    await expect(send(tx, record("a", 0))).rejects.toMatchObject({ code: "TRANSACTION_CLOSED" });
    expect(native.calls.filter((c) => c.startsWith("send"))).toHaveLength(1);
  });
});

describe("ending", () => {
  test("a transaction that wrote nothing ends locally (the broker refuses EndTxn for it with INVALID_TXN_STATE)", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    await tx.commit();
    await tx.begin();
    await tx.abort();
    expect(producer.made.map((t) => t.calls)).toEqual([["cancel"], ["cancel"]]);
  });

  test("a transaction that wrote ends at the broker", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    await send(tx, record("a", 0));
    await tx.commit();
    await tx.begin();
    await send(tx, record("a", 0));
    await tx.abort();
    expect(producer.made.map((t) => t.calls[t.calls.length - 1])).toEqual(["commit", "abort"]);
  });

  test("a failed commit stays open for the abort; a failed abort is aborted again by the next begin", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    const first = last(producer);
    await send(tx, record("a", 0));
    first.failures.commit = [new Error("commit: no answer")];
    first.failures.abort = [new Error("abort: no answer")];
    await expect(tx.commit()).rejects.toThrow("commit: no answer");
    await expect(tx.abort()).rejects.toThrow("abort: no answer");
    await tx.begin();
    expect(first.calls.slice(-1)).toEqual(["abort"]);
    expect(producer.made).toHaveLength(2);
  });

  test("the broker no longer holds the failed transaction (INVALID_TXN_STATE): the next begin goes on", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    const first = last(producer);
    await send(tx, record("a", 0));
    first.failures.abort = [new Error("abort: no answer"), protocolError("INVALID_TXN_STATE")];
    await expect(tx.abort()).rejects.toThrow("abort: no answer");
    await tx.begin();
    expect(first.calls.slice(-1)).toEqual(["cancel"]);
    expect(producer.made).toHaveLength(2);
  });

  test("a stale transaction the broker will not abort keeps begin failing, with the reason", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    const first = last(producer);
    await send(tx, record("a", 0));
    first.failures.abort = [new Error("abort: no answer"), new Error("still no answer")];
    await expect(tx.abort()).rejects.toThrow("abort: no answer");
    await expect(tx.begin()).rejects.toThrow("still no answer");
    expect(producer.made).toHaveLength(1);
  });
});

describe("fencing", () => {
  test("the first fencing answer (47 on a produce) is every later call's answer", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    const native = last(producer);
    await send(tx, record("a", 0));
    native.failures.send = [new MultipleErrors("Producing messages failed.", [protocolError("INVALID_PRODUCER_EPOCH")])];
    // In core's order: the failed send, then the abort its commit turns into, then whatever the caller tries next.
    const failures = [
      await send(tx, record("a", 0)).catch((e: unknown) => e),
      await tx.abort().catch((e: unknown) => e),
      await tx.begin().catch((e: unknown) => e),
      await send(tx, record("a", 1)).catch((e: unknown) => e),
      await tx.sendOffsets("g", [{ topic: "a", partition: 0, offset: "1" }], undefined).catch((e: unknown) => e),
      await tx.commit().catch((e: unknown) => e),
    ];
    // The broker's answer each time, with its code (core answers 47 and 90 as PRODUCER_FENCED).
    for (const failure of failures) expect(failure).toBe(failures[0]);
    expect(classified(failures[0])).toMatchObject({ context: { kafkaCode: "INVALID_PRODUCER_EPOCH" } });
    // The abort never reached platformatic (whose answers after a fencing no longer say so).
    expect(native.calls).not.toContain("abort");
  });

  test("90 on a commit is fenced too; never an abort after it", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    const native = last(producer);
    await send(tx, record("a", 0));
    native.failures.commit = [protocolError("PRODUCER_FENCED")];
    expect(classified(await tx.commit().catch((e: unknown) => e))).toMatchObject({ context: { kafkaCode: "PRODUCER_FENCED" } });
    expect(classified(await tx.abort().catch((e: unknown) => e))).toMatchObject({ context: { kafkaCode: "PRODUCER_FENCED" } });
    expect(native.calls).not.toContain("abort");
  });

  test("a disconnect clears the verdict: connect registers the id anew", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    last(producer).failures.addPartitions = [protocolError("PRODUCER_FENCED")];
    await expect(send(tx, record("a", 0))).rejects.toBeDefined();
    await tx.reset();
    producer.transaction = undefined;
    await tx.begin();
  });
});

describe("offsets", () => {
  test("AddOffsetsToTxn, then one TxnOffsetCommit per partition (one at a time), at offset - 1 as the member of the consumer driver", async () => {
    const { producer, tx, context } = await setup();
    const consumer = platformaticConnector.createConsumer(context, (await resolve({}, undefined, { groupId: "g" })).consumer) as PlatformaticConsumerDriver;
    (consumer as unknown as { member: () => unknown }).member = () => ({ groupId: "g", generationId: 7, memberId: "m-1", coordinatorId: 3 });
    await tx.begin();
    const native = last(producer);
    await Promise.all([
      tx.sendOffsets("g", [{ topic: "a", partition: 0, offset: "10" }, { topic: "a", partition: 1, offset: "0" }], consumer),
      tx.sendOffsets("g", [{ topic: "b", partition: 2, offset: "5" }], consumer),
    ]);
    expect(native.maxInFlight).toBe(1);
    expect(native.calls).toEqual(["addConsumer g", "addOffset a:0@9 g/7/m-1/3", "addOffset a:1@-1 g/7/m-1/3", "addConsumer g", "addOffset b:2@4 g/7/m-1/3"]);
    await tx.commit();
    expect(native.calls.slice(-1)).toEqual(["commit"]);
  });

  test("by group id alone: generation -1 and no member id, at the group's coordinator", async () => {
    const { producer, tx } = await setup();
    const asked: unknown[] = [];
    (tx as unknown as { admin: unknown }).admin = {
      async findCoordinator(options: unknown) {
        asked.push(options);
        return [{ key: "billing", nodeId: 2, host: "h", port: 1 }];
      },
      async close() {},
    };
    await tx.begin();
    await tx.sendOffsets("billing", [{ topic: "a", partition: 3, offset: "42" }], undefined);
    expect(asked).toEqual([{ keyType: 0, keys: ["billing"] }]);
    expect(last(producer).calls).toEqual(["addConsumer billing", "addOffset a:3@41 billing/-1//2"]);
  });

  test("a partition the topic does not have is PARTITION_NOT_FOUND before anything is sent", async () => {
    const { producer, tx } = await setup();
    await tx.begin();
    await expect(tx.sendOffsets("g", [{ topic: "a", partition: 4, offset: "1" }], undefined)).rejects.toMatchObject({ code: "PARTITION_NOT_FOUND" });
    expect(last(producer).calls).toEqual([]);
  });
});
