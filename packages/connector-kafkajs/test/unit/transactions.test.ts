// The transactional producer driver over fake kafkajs producers whose transactions behave as
// kafkajs 2.2.4's (src/producer/index.js, eosManager): only the transaction object's sends join
// it, a failed commit or abort leaves the state machine stuck (later transaction() throws), and
// InitProducerId runs at the first transaction(). No broker needed; the broker-side behaviour is
// the conformance group `transactions`.
import { toQiError, type RoutedRecord } from "@qi/streaming/connector";
import * as kafkajs from "kafkajs";
import type { Producer, ProducerBatch, RecordMetadata } from "kafkajs";
import { describe, expect, test } from "vitest";
import { classifyError } from "../../src/errors.js";
import { KafkajsProducerDriver } from "../../src/producer.js";
import { resolve } from "./resolve.js";

type ErrorClass = new (message: unknown, extra?: object) => Error;
const { KafkaJSProtocolError, KafkaJSRequestTimeoutError, KafkaJSNonRetriableError } = kafkajs as unknown as Record<"KafkaJSProtocolError" | "KafkaJSRequestTimeoutError" | "KafkaJSNonRetriableError", ErrorClass>;
const protocol = (code: number, type: string, retriable = false) => new KafkaJSProtocolError({ message: type, type, code, retriable });
/** How kafkajs 2.2.4 reports a code past its table (it stops at 88). */
const unknownCode = (code: number) => new KafkaJSProtocolError({ message: `Unknown error code ${code}`, type: "KAFKAJS_UNKNOWN_ERROR_CODE", code: -99, retriable: false });

type Step = Error | undefined;

class FakeTransaction {
  readonly sends: ProducerBatch[] = [];
  readonly offsets: unknown[] = [];
  ended = false;
  constructor(private readonly owner: FakeProducer) {}
  isActive(): boolean {
    return !this.ended && this.owner.state === "TRANSACTING";
  }
  private guard(): void {
    if (!this.isActive()) throw new KafkaJSNonRetriableError("Cannot continue to use transaction once ended");
  }
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.guard();
    if (this.owner.sendGate) {
      await this.owner.sendGate;
      // kafkajs's retry: it adds the partition to whatever transaction its producer has open now.
      if (this.owner.state !== "TRANSACTING") throw new KafkaJSNonRetriableError(`Transaction state exception: Cannot call "addPartitionsToTransaction" in state "${this.owner.state}"`);
      this.owner.transactions.at(-1)!.sends.push(batch);
      return [];
    }
    this.sends.push(batch);
    const failure = this.owner.sendFailures.shift();
    if (failure) throw failure;
    return batch.topicMessages!.flatMap((t) => t.messages.map((m) => ({ topicName: t.topic, partition: m.partition!, errorCode: 0, baseOffset: "0" })));
  }
  async sendOffsets(offsets: unknown): Promise<void> {
    this.guard();
    this.offsets.push(offsets);
    const failure = this.owner.offsetFailures.shift();
    if (failure) throw failure;
  }
  async commit(): Promise<void> {
    await this.end("COMMITTING", this.owner.commitAnswers.shift());
  }
  async abort(): Promise<void> {
    await this.end("ABORTING", this.owner.abortAnswers.shift());
  }
  private async end(to: "COMMITTING" | "ABORTING", failure: Step): Promise<void> {
    this.guard();
    this.owner.state = to;
    if (this.owner.endGate) await this.owner.endGate;
    if (failure) throw failure; // kafkajs stays in COMMITTING / ABORTING
    this.owner.state = "READY";
    this.ended = true;
    this.owner.ends.push(to);
  }
}

class FakeProducer {
  state: "UNINITIALIZED" | "READY" | "TRANSACTING" | "COMMITTING" | "ABORTING" = "UNINITIALIZED";
  inits = 0;
  connects = 0;
  disconnects = 0;
  readonly plainSends: ProducerBatch[] = [];
  readonly transactions: FakeTransaction[] = [];
  readonly ends: string[] = [];
  sendFailures: Step[] = [];
  offsetFailures: Step[] = [];
  commitAnswers: Step[] = [];
  abortAnswers: Step[] = [];
  endGate: Promise<void> | undefined;
  sendGate: Promise<void> | undefined;
  constructor(readonly id: number) {}
  async connect(): Promise<void> {
    this.connects++;
  }
  async disconnect(): Promise<void> {
    this.disconnects++;
  }
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.plainSends.push(batch);
    return [];
  }
  async transaction(): Promise<FakeTransaction> {
    if (this.state !== "UNINITIALIZED" && this.state !== "READY") throw new KafkaJSNonRetriableError(`Transaction state exception: Cannot call "beginTransaction" in state "${this.state}"`);
    if (this.state === "UNINITIALIZED") this.inits++; // InitProducerId
    this.state = "TRANSACTING";
    const tx = new FakeTransaction(this);
    this.transactions.push(tx);
    return tx;
  }
}

async function transactional(...producers: FakeProducer[]) {
  const { context, producer } = await resolve({ retry: { retries: 3, initialRetryTimeMs: 1, maxRetryTimeMs: 2 } }, { transactionalId: "tx-unit" });
  const made: FakeProducer[] = [];
  const driver = new KafkajsProducerDriver(context.config, producer, () => {
    const next = producers[made.length];
    if (!next) throw new Error("no more fake producers");
    made.push(next);
    return next as unknown as Producer;
  });
  // The metadata client is a real kafkajs admin: keep it off the network.
  (driver as unknown as { metadata: unknown }).metadata = { connect: async () => {}, disconnect: async () => {} };
  return { driver, tx: driver.transactions!, made };
}

const record = (partition: number): RoutedRecord => ({ topic: "t", partition, key: null, value: Buffer.from("v"), headers: {}, timestamp: undefined });
const classified = (e: unknown) => toQiError(e, {}, classifyError);
const tick = () => new Promise((r) => setTimeout(r, 0));
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("kafkajs transactions: the driver's mapping", () => {
  test("a plain producer has no transactions; a transactionalId one does", async () => {
    const { context, producer } = await resolve();
    expect(new KafkajsProducerDriver(context.config, producer, () => new FakeProducer(0) as unknown as Producer).transactions).toBeUndefined();
    const { driver } = await transactional(new FakeProducer(1));
    expect(driver.transactions).toBeDefined();
  });

  test("connect registers the id (InitProducerId through an empty transaction, aborted without EndTxn) before it resolves", async () => {
    const p = new FakeProducer(1);
    const { driver } = await transactional(p);
    await driver.connect();
    expect(p.inits).toBe(1);
    expect(p.transactions).toHaveLength(1);
    expect(p.ends).toEqual(["ABORTING"]);
    expect(p.state).toBe("READY");
  });

  test("sends between begin and commit go through the kafkajs transaction, never the producer; none outside one", async () => {
    const p = new FakeProducer(1);
    const { driver, tx } = await transactional(p);
    await driver.connect();
    // No transaction open: refused, nothing written anywhere.
    expect(classified(await failure(driver.send([record(0)])))).toMatchObject({ code: "CLIENT_FATAL_ERROR" });
    await tx.begin();
    expect(await driver.send([record(0), record(0)])).toEqual([
      { topic: "t", partition: 0, offset: "0" },
      { topic: "t", partition: 0, offset: "1" },
    ]);
    await tx.commit();
    expect(p.transactions[1]!.sends).toHaveLength(1);
    expect(p.plainSends).toHaveLength(0);
    expect(p.ends).toEqual(["ABORTING", "COMMITTING"]);
    // After the commit: refused again.
    await failure(driver.send([record(0)]));
    expect(p.plainSends).toHaveLength(0);
  });

  test("sendOffsets: the group id and the offsets by topic; CONCURRENT_TRANSACTIONS retried, other errors not", async () => {
    const p = new FakeProducer(1);
    const { driver, tx } = await transactional(p);
    await driver.connect();
    await tx.begin();
    p.offsetFailures = [protocol(51, "CONCURRENT_TRANSACTIONS", true), protocol(51, "CONCURRENT_TRANSACTIONS", true)];
    await tx.sendOffsets(
      "grp",
      [
        { topic: "a", partition: 0, offset: "5" },
        { topic: "b", partition: 1, offset: "7" },
        { topic: "a", partition: 2, offset: "9" },
    ]);
    const sent = p.transactions[1]!.offsets;
    expect(sent).toHaveLength(3);
    expect(sent[2]).toEqual({
      consumerGroupId: "grp",
      topics: [
        { topic: "a", partitions: [{ partition: 0, offset: "5" }, { partition: 2, offset: "9" }] },
        { topic: "b", partitions: [{ partition: 1, offset: "7" }] },
      ],
    });
    // Not retried: an authorization failure.
    p.offsetFailures = [protocol(30, "GROUP_AUTHORIZATION_FAILED")];
    await failure(tx.sendOffsets("grp", [{ topic: "a", partition: 0, offset: "6" }]));
    expect(p.transactions[1]!.offsets).toHaveLength(4);
    // Retried at most retry.retries times.
    p.offsetFailures = Array.from({ length: 10 }, () => protocol(51, "CONCURRENT_TRANSACTIONS", true));
    await failure(tx.sendOffsets("grp", [{ topic: "a", partition: 0, offset: "6" }]));
    expect(p.transactions[1]!.offsets).toHaveLength(4 + 4);
  });

  test("a commit the coordinator refused: abort renews the producer (a fresh one registers the id, aborting the transaction), the next transaction works", async () => {
    const first = new FakeProducer(1);
    const fresh = new FakeProducer(2);
    const { driver, tx, made } = await transactional(first, fresh);
    await driver.connect();
    await tx.begin();
    await driver.send([record(0)]);
    first.commitAnswers = [protocol(16, "NOT_COORDINATOR", true)];
    expect(classified(await failure(tx.commit()))).toMatchObject({ code: "NOT_COORDINATOR" });
    expect(first.state).toBe("COMMITTING"); // kafkajs is stuck
    await tx.abort();
    expect(made).toHaveLength(2);
    expect(fresh).toMatchObject({ connects: 1, inits: 1, state: "READY" });
    expect(first.disconnects).toBe(1);
    expect(driver.native()).toBe(fresh);
    await tx.begin();
    await driver.send([record(1)]);
    await tx.commit();
    expect(fresh.ends).toEqual(["ABORTING", "COMMITTING"]);
  });

  test("a commit kafkajs could not send (no coordinator found) is not applied either: the abort renews the producer", async () => {
    const first = new FakeProducer(1);
    const fresh = new FakeProducer(2);
    const { driver, tx, made } = await transactional(first, fresh);
    await driver.connect();
    await tx.begin();
    const { KafkaJSGroupCoordinatorNotFound } = kafkajs as unknown as Record<"KafkaJSGroupCoordinatorNotFound", ErrorClass>;
    first.commitAnswers = [new KafkaJSGroupCoordinatorNotFound("Failed to find group coordinator")];
    expect(classified(await failure(tx.commit()))).toMatchObject({ code: "COORDINATOR_NOT_AVAILABLE", retriable: true });
    await tx.abort();
    expect(made).toHaveLength(2);
    expect(driver.native()).toBe(fresh);
  });

  test("an abort the coordinator refused renews the producer and resolves; a renewal that fails is retried by the next begin", async () => {
    const first = new FakeProducer(1);
    const broken = new FakeProducer(2);
    broken.connect = async () => {
      broken.connects++;
      throw new kafkajs.KafkaJSConnectionError("refused");
    };
    const fresh = new FakeProducer(3);
    const { driver, tx, made } = await transactional(first, broken, fresh);
    await driver.connect();
    await tx.begin();
    first.abortAnswers = [protocol(51, "CONCURRENT_TRANSACTIONS", true)];
    expect(classified(await failure(tx.abort()))).toMatchObject({ code: "BROKER_UNREACHABLE" });
    expect(broken.disconnects).toBe(1);
    expect(driver.native()).toBe(first);
    await tx.begin();
    expect(made).toHaveLength(3);
    expect(driver.native()).toBe(fresh);
    expect(fresh.inits).toBe(1);
    expect(fresh.state).toBe("TRANSACTING");
  });

  test("a commit with no answer: not renewed (that could fence a newer producer); abort and every later call are CLIENT_FATAL_ERROR until reconnect, which takes a fresh producer", async () => {
    const first = new FakeProducer(1);
    const fresh = new FakeProducer(2);
    const { driver, tx, made } = await transactional(first, fresh);
    await driver.connect();
    await tx.begin();
    first.commitAnswers = [new KafkaJSRequestTimeoutError("Request EndTxn(key: 26, version: 1) timed out")];
    expect(classified(await failure(tx.commit()))).toMatchObject({ code: "REQUEST_TIMED_OUT" });
    const aborted = classified(await failure(tx.abort()));
    expect(aborted).toMatchObject({ category: "STATE", code: "CLIENT_FATAL_ERROR" });
    expect(aborted.message).toMatch(/unknown/);
    expect(classified(await failure(tx.begin()))).toMatchObject({ code: "CLIENT_FATAL_ERROR" });
    expect(made).toHaveLength(1);
    await driver.disconnect();
    await driver.connect();
    expect(made).toHaveLength(2);
    expect(fresh.inits).toBe(1);
    await tx.begin();
    await tx.commit();
  });

  test("fenced (47 from the broker, or 90 that kafkajs cannot name): PRODUCER_FENCED, never renewed", async () => {
    for (const fencing of [protocol(47, "INVALID_PRODUCER_EPOCH"), unknownCode(90)]) {
      expect(classified(fencing)).toMatchObject({ category: "STATE" });
      expect(["INVALID_PRODUCER_EPOCH", "PRODUCER_FENCED"]).toContain(classified(fencing).code);
      const first = new FakeProducer(1);
      const { driver, tx, made } = await transactional(first, new FakeProducer(2));
      await driver.connect();
      await tx.begin();
      first.sendFailures = [fencing];
      // Passed on as it is (core answers it PRODUCER_FENCED); every later call answers it too.
      expect(await failure(driver.send([record(0)]))).toBe(fencing);
      expect(await failure(tx.abort())).toBe(fencing);
      expect(await failure(tx.begin())).toBe(fencing);
      expect(await failure(driver.send([record(0)]))).toBe(fencing);
      expect(made).toHaveLength(1); // neither the send path's replacement nor a renewal
    }
    expect(classified(unknownCode(90)).code).toBe("PRODUCER_FENCED");
  });

  test("a commit fenced by the broker (its sends were fine): the broker's error as it is, never renewed, every later call fenced", async () => {
    const first = new FakeProducer(1);
    const { driver, tx, made } = await transactional(first, new FakeProducer(2));
    await driver.connect();
    await tx.begin();
    await driver.send([record(0)]);
    const fencing = protocol(47, "INVALID_PRODUCER_EPOCH");
    first.commitAnswers = [fencing];
    expect(await failure(tx.commit())).toBe(fencing);
    expect(await failure(tx.abort())).toBe(fencing);
    expect(await failure(tx.begin())).toBe(fencing);
    expect(await failure(driver.send([record(0)]))).toBe(fencing);
    expect(made).toHaveLength(1);
  });

  test("another failed send of a transaction is passed on as it is and leaves the producer usable", async () => {
    const p = new FakeProducer(1);
    const { driver, tx } = await transactional(p);
    await driver.connect();
    await tx.begin();
    const refused = protocol(10, "MESSAGE_TOO_LARGE");
    p.sendFailures = [refused];
    expect(await failure(driver.send([record(0)]))).toBe(refused);
    await tx.abort();
    await tx.begin();
    await driver.send([record(0)]);
    await tx.commit();
    expect(p.ends).toEqual(["ABORTING", "ABORTING", "COMMITTING"]);
  });

  test("a send core gave up on, still retried by kafkajs: the next transaction opens only once it settled, so it never joins that one", async () => {
    const p = new FakeProducer(1);
    const { driver, tx } = await transactional(p);
    await driver.connect();
    await tx.begin();
    let release!: () => void;
    p.sendGate = new Promise((r) => (release = r));
    const late = driver.send([record(0)]);
    await tick();
    await tx.abort(); // core's timeout ended the send; the transaction is aborted
    let begun = false;
    const next = tx.begin().then(() => (begun = true));
    await tick();
    expect(begun).toBe(false);
    release();
    p.sendGate = undefined;
    await failure(late); // after the abort, outside any transaction: refused
    await next;
    expect(begun).toBe(true);
    await driver.send([record(1)]);
    await tx.commit();
    // The committed transaction holds its own record only.
    expect(p.transactions.at(-1)!.sends.flatMap((b) => b.topicMessages!.flatMap((t) => t.messages.map((m) => m.partition)))).toEqual([1]);
  });

  test("an abort while the commit is still unanswered waits for it; a commit that succeeded late makes the abort fail, not pass for an abort", async () => {
    const p = new FakeProducer(1);
    const { driver, tx } = await transactional(p);
    await driver.connect();
    await tx.begin();
    let release!: () => void;
    p.endGate = new Promise((r) => (release = r));
    const commit = tx.commit();
    const abort = tx.abort();
    release();
    await commit;
    expect(classified(await failure(abort)).message).toMatch(/commit succeeded after all/);
    p.endGate = undefined;
    await tx.begin(); // the producer goes on
  });
});
