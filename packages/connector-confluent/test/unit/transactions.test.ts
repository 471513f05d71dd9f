// The transactional producer's driver side without a broker: the client settings it is made
// with (a plain producer's unchanged), sendOffsets' refusals, a timed-out commit called again,
// and a purged send answered with the transaction's own error (a fenced producer's:
// PRODUCER_FENCED). The broker-side behaviour is the conformance group `transactions`.
import { resolvedFor } from "@qi/streaming-testkit";
import { isFencing, toQiError, type ConsumerDriver } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { ConfluentConsumerDriver } from "../../src/consumer.js";
import { classifyError } from "../../src/errors.js";
import { confluentConnector } from "../../src/index.js";
import { acceptsLibrdkafkaProperty } from "../../src/options.js";
import { ConfluentProducerDriver, producerSettings } from "../../src/producer.js";
import { ConfluentTransactions, transactionCause, untilDone } from "../../src/transactions.js";
import { Session } from "../../src/native.js";

const clientError = (code: number, message: string) => Object.assign(new Error(message), { code });
const classify = (error: unknown) => toQiError(error, { connector: "confluent" }, classifyError);

describe("the client producer's settings", () => {
  test("a producer without a transactionalId is made as before: no transactional setting, no transactions driver", async () => {
    const { context, producer } = await resolvedFor(confluentConnector, {}, {});
    expect(producerSettings(context.config, producer)).toEqual({
      kafkaJS: { acks: -1, idempotent: true, compression: "none", timeout: 30_000 },
      "linger.ms": 0,
      "message.max.bytes": 1_048_576,
    });
    expect(new ConfluentProducerDriver(context.config, producer).transactions).toBeUndefined();
  });

  test("a transactional producer gets the id and its timeout, idempotent with acks all, and the transactions driver", async () => {
    const { context, producer } = await resolvedFor(confluentConnector, {}, { transactionalId: "orders-1", transactionTimeoutMs: 20_000 });
    expect(producerSettings(context.config, producer).kafkaJS).toEqual({ acks: -1, idempotent: true, compression: "none", timeout: 30_000, transactionalId: "orders-1", transactionTimeout: 20_000 });
    expect(new ConfluentProducerDriver(context.config, producer).transactions).toBeInstanceOf(ConfluentTransactions);
  });

  test("the properties our transactions and isolation level set are not taken from options", () => {
    for (const key of ["isolation.level", "transactional.id", "transaction.timeout.ms"]) expect(acceptsLibrdkafkaProperty(key), key).toBe(false);
  });
});

describe("fencing", () => {
  test("librdkafka's _FENCED is PRODUCER_FENCED, which core takes for a fenced producer", () => {
    const error = classify(clientError(-144, "Failed to end transaction: Local: This instance has been fenced by a newer instance"));
    expect(error).toMatchObject({ category: "STATE", code: "PRODUCER_FENCED", retriable: false });
    expect(isFencing(error)).toBe(true);
  });

  test("a purged send is answered with the transaction's fatal error: fenced", async () => {
    const producer = { _getInternalClient: () => ({ beginTransaction: (cb: (e: unknown) => void) => cb(clientError(-144, "Failed to add partitions to transaction: Local: This instance has been fenced by a newer instance")) }) };
    const cause = await transactionCause(clientError(-152, "Local: Purged in queue"), producer as never);
    expect(classify(cause)).toMatchObject({ code: "PRODUCER_FENCED" });
    expect((cause as Error).message).toMatch(/Purged in queue: the transaction failed: .*fenced/);
  });

  test("a send refused for librdkafka's fatal error, or by the broker for an old epoch, likewise", async () => {
    const producer = { _getInternalClient: () => ({ beginTransaction: (cb: (e: unknown) => void) => cb(clientError(-144, "fenced")) }) };
    expect(classify(await transactionCause(clientError(-150, "Local: Fatal error"), producer as never))).toMatchObject({ code: "PRODUCER_FENCED" });
    expect(classify(await transactionCause(clientError(47, "Broker: Producer attempted an operation with an old epoch"), producer as never))).toMatchObject({ code: "PRODUCER_FENCED" });
    expect(classify(await transactionCause(clientError(90, "Broker: There is a newer producer with the same transactionalId which fences the current one"), producer as never))).toMatchObject({ code: "PRODUCER_FENCED" });
  });

  test("sends that failed together read the state once (librdkafka refuses simultaneous begins)", async () => {
    let reads = 0;
    const producer = { _getInternalClient: () => internal };
    const internal = { beginTransaction: (cb: (e: unknown) => void) => void (reads++, setTimeout(() => cb(clientError(-144, "fenced")), 10)) };
    const causes = await Promise.all([1, 2, 3].map(() => transactionCause(clientError(-152, "Local: Purged in queue"), producer as never)));
    expect(causes.map((c) => classify(c).code)).toEqual(["PRODUCER_FENCED", "PRODUCER_FENCED", "PRODUCER_FENCED"]);
    expect(reads).toBe(1);
  });

  test("an abortable error of the transaction is the send's answer, classified by its own code", async () => {
    const producer = { _getInternalClient: () => ({ beginTransaction: (cb: (e: unknown) => void) => cb(clientError(29, "Broker: Topic authorization failed")) }) };
    expect(classify(await transactionCause(clientError(-152, "Local: Purged in queue"), producer as never))).toMatchObject({ category: "AUTHORIZATION" });
  });

  test("a transaction that is sound (_STATE), or another call under way (_CONFLICT), leaves the send's error as it is; other errors are not looked into", async () => {
    const purged = clientError(-152, "Local: Purged in queue");
    for (const code of [-172, -173, -177]) {
      const producer = { _getInternalClient: () => ({ beginTransaction: (cb: (e: unknown) => void) => cb(clientError(code, "no")) }) };
      expect(await transactionCause(purged, producer as never)).toBe(purged);
    }
    let asked = false;
    const producer = { _getInternalClient: () => ({ beginTransaction: () => void (asked = true) }) };
    const timedOut = clientError(-192, "Local: Message timed out");
    expect(await transactionCause(timedOut, producer as never)).toBe(timedOut);
    expect(asked).toBe(false);
  });
});

describe("commit and abort", () => {
  test("a commit that timed out in the client is called again (librdkafka resumes it) until it ends", async () => {
    let calls = 0;
    await untilDone(async () => {
      if (++calls < 3) throw clientError(-185, "Timed out waiting for operation to finish, retry call to resume");
    }, { session: new Session(), timeoutMs: 10_000 });
    expect(calls).toBe(3);
  });

  test("past the producer's timeout, or on another error, it fails with the client's error", async () => {
    let calls = 0;
    await expect(untilDone(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      throw clientError(-185, "timed out");
    }, { session: new Session(), timeoutMs: 50 })).rejects.toMatchObject({ code: -185 });
    expect(calls).toBeGreaterThan(1);
    calls = 0;
    await expect(untilDone(async () => {
      calls++;
      throw clientError(-144, "fenced");
    }, { session: new Session(), timeoutMs: 10_000 })).rejects.toMatchObject({ code: -144 });
    expect(calls).toBe(1);
  });
});

describe("sendOffsets", () => {
  const transactions = (sent: unknown[] = []) =>
    new ConfluentTransactions({ producer: () => ({ connect: async () => {}, disconnect: async () => {}, sendOffsets: async (a: unknown) => void sent.push(a) }), session: new Session(), timeoutMs: 1000 });
  const offsets = [
    { topic: "a", partition: 0, offset: "5" },
    { topic: "b", partition: 1, offset: "7" },
    { topic: "a", partition: 2, offset: "9" },
  ];

  test("with only a groupId: UNSUPPORTED (the client sends offsets through the group's consumer)", async () => {
    const thrown = await transactions().sendOffsets("g", offsets, undefined).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ category: "UNSUPPORTED", code: "UNSUPPORTED_OPERATION" });
    expect((thrown as Error).message).toMatch(/groupId.*pass \{ consumer \}/);
  });

  test("through a consumer of another connector: UNSUPPORTED; one not subscribed yet: NOT_SUBSCRIBED", async () => {
    const foreign = { native: () => ({}) } as unknown as ConsumerDriver;
    await expect(transactions().sendOffsets("g", offsets, foreign)).rejects.toMatchObject({ category: "UNSUPPORTED" });
    const { context, consumer } = await resolvedFor(confluentConnector);
    const idle = new ConfluentConsumerDriver(context.config, consumer);
    await expect(transactions().sendOffsets("g", offsets, idle)).rejects.toMatchObject({ category: "STATE", code: "NOT_SUBSCRIBED" });
  });

  test("through the client consumer of a subscribed one, by topic", async () => {
    const { context, consumer } = await resolvedFor(confluentConnector);
    const member = new ConfluentConsumerDriver(context.config, consumer);
    const native = { client: "consumer" };
    Object.assign(member, { consumer: native });
    const sent: unknown[] = [];
    await transactions(sent).sendOffsets("g", offsets, member);
    expect(sent).toEqual([
      {
        consumer: native,
        topics: [
          { topic: "a", partitions: [{ partition: 0, offset: "5" }, { partition: 2, offset: "9" }] },
          { topic: "b", partitions: [{ partition: 1, offset: "7" }] },
        ],
      },
    ]);
  });
});
