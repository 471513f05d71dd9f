/**
 * Transactions: what a transaction writes becomes visible to `read_committed` consumers all at
 * once on commit, or never (abort); offsets sent with it commit only with it; a newer producer
 * with the same transactionalId fences the older one; exactly-once `run()` turns a flaky
 * handler into output that holds every input once; the STATE errors of the API; the consumer's
 * default isolation. Every count comes from the broker: read back by fresh consumers, end
 * offsets and committed offsets from the admin. Skipped by the `transactions` capability.
 *
 * Note on "written but not visible": the tests prove a transaction's records are in the log
 * before its commit by reading them back with a `read_uncommitted` consumer, not by the admin's
 * end offsets, since kafkajs's admin lists offsets read_committed (its `latest` is the last
 * stable offset while a transaction is open, docs/connectors/kafkajs.md).
 */
import { createHash } from "node:crypto";
import type { ConsumedMessage, IStreamingConsumer, IStreamingProducer, IStreamingTransaction, QiError, Result, TopicPartitionOffset } from "@qi/streaming";
import { expect } from "vitest";
import { must, mustFail, sleep, valuesOf, type TestBed } from "./bed.js";
import { defineGroup } from "./group.js";

/** A connected producer with a fresh transactionalId (or the one given), on a fresh client. */
function transactional(bed: TestBed, transactionalId = bed.name("txid")): Promise<IStreamingProducer> {
  return bed.producer({ transactionalId });
}

/** A running consumer of a fresh group reading from the beginning with the given isolation. */
function reader(bed: TestBed, topic: string, isolationLevel: "read_committed" | "read_uncommitted" | undefined) {
  return bed.consumer([topic], { groupId: bed.name(isolationLevel === "read_committed" ? "rc" : "ru"), ...(isolationLevel ? { isolationLevel } : {}) });
}

/** A message's content as one comparable string: key, value and headers. */
function content(m: ConsumedMessage): string {
  const headers = Object.entries(m.headers)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map((b) => b.toString("utf8")).join("|") : v.toString("utf8")}`)
    .sort()
    .join(",");
  return `${m.key?.toString("utf8") ?? "<null>"}/${m.value?.toString("utf8") ?? "<null>"}/${headers}`;
}

/** The group's committed offsets of the topic as [partition, offset] pairs (from the broker). */
async function committedOf(bed: TestBed, groupId: string, topic: string): Promise<[number, string][]> {
  const admin = await bed.admin();
  return must(await admin.fetchCommittedOffsets(groupId, topic)).map((o) => [o.partition, o.offset]);
}

/** A Result's error as "CATEGORY/CODE", or "ok". */
function codeOf(result: Result<unknown, QiError>): string {
  return result.isErr() ? `${result.error.category}/${result.error.code}` : "ok";
}

/** A small seeded PRNG (mulberry32): the injected failures are the same from run to run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A digest of a multiset of key/value pairs: equal for the same pairs in any order. */
function digest(pairs: readonly string[]): string {
  return createHash("sha256").update([...pairs].sort().join("\n")).digest("hex");
}

/** Calls `call` and returns its Result; a throw or a rejection fails the test with what was given. */
async function noThrow<T>(what: string, call: () => PromiseLike<Result<T, QiError>>): Promise<Result<T, QiError>> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${what} threw instead of returning an error: ${String(error)}`);
  }
}

/**
 * The exactly-once run: `count` keyed messages over 6 input partitions, handled by a consumer
 * whose handler sends a derived output per input through `context.transaction` and fails in
 * about a fifth of its attempts after sending part of the output. Checks the output read
 * `read_committed` holds every input exactly once, in order per key, that aborted output is in
 * the log (so the failures were real), and that the group committed exactly the input's end.
 */
async function exactlyOnceRun(bed: TestBed, mode: "eachMessage" | "eachBatch", count: number): Promise<void> {
  const input = await bed.topic(6);
  const output = await bed.topic(6);
  const KEYS = 48;
  await bed.produce(input, count, (i) => ({ key: `k${i % KEYS}`, value: String(Math.floor(i / KEYS)) }));
  const derive = (m: ConsumedMessage) => ({ key: m.key, value: `out:${m.key!.toString("utf8")}:${m.value!.toString("utf8")}` });
  const expected = digest(Array.from({ length: count }, (_, i) => `k${i % KEYS}\u0000out:k${i % KEYS}:${Math.floor(i / KEYS)}`));

  const producer = await transactional(bed);
  const random = seeded(0x5eed);
  // One plan per attempt (each attempt has its own transaction): fail after `failAfter` outputs, or never.
  const plans = new WeakMap<IStreamingTransaction, { failAfter: number; sent: number }>();
  const planOf = (tx: IStreamingTransaction) => {
    let plan = plans.get(tx);
    if (!plan) plans.set(tx, (plan = { failAfter: random() < 0.2 ? 1 + Math.floor(random() * 40) : Infinity, sent: 0 }));
    return plan;
  };
  let injected = 0;
  let calls = 0;
  let withoutTransaction = 0;
  const errors: string[] = [];
  const groupId = bed.name("eos");
  const transactionOf = (tx: IStreamingTransaction | undefined): IStreamingTransaction => {
    calls++;
    if (tx) return tx;
    withoutTransaction++;
    throw new Error("no context.transaction in an exactly-once run()");
  };
  await bed.consumer(
    [input],
    { groupId, maxBatchSize: 50, retry: { attempts: 10, initialBackoffMs: 10, maxBackoffMs: 50 }, onError: (e) => void errors.push(`${e.code}: ${e.message}`) },
    {
      run: () =>
        mode === "eachMessage"
          ? {
              exactlyOnce: { producer },
              eachMessage: async (m, context) => {
                const tx = transactionOf(context.transaction);
                const plan = planOf(tx);
                must(await tx.send(output, derive(m)));
                if (++plan.sent >= plan.failAfter) {
                  injected++;
                  throw new Error("injected failure after sending output");
                }
              },
            }
          : {
              exactlyOnce: { producer },
              eachBatch: async (batch, context) => {
                const tx = transactionOf(context.transaction);
                const plan = planOf(tx);
                const outputs = batch.messages.map((m) => ({ topic: output, message: derive(m) }));
                if (plan.failAfter <= outputs.length) {
                  must(await tx.sendBatch(outputs.slice(0, plan.failAfter)));
                  injected++;
                  throw new Error("injected failure after sending output");
                }
                must(await tx.sendBatch(outputs));
              },
            },
    },
  );

  const admin = await bed.admin();
  const ends = must(await admin.fetchTopicOffsets(input)).map((o) => [o.partition, o.latest] as [number, string]);
  expect(ends.reduce((n, [, latest]) => n + Number(latest), 0), "the input's end offsets").toBe(count);
  let seen: [number, string][] = [];
  await bed
    .waitFor(async () => JSON.stringify((seen = await committedOf(bed, groupId, input))) === JSON.stringify(ends), `the group's committed offsets to reach the input's end ${JSON.stringify(ends)}`, 40_000)
    .catch((error: Error) => {
      // Where it got to: the offsets committed, the handler's progress, what the consumer reported.
      throw new Error(`${error.message}; committed ${JSON.stringify(seen)}, ${calls} handler calls, ${injected} injected failures; errors: ${errors.slice(0, 3).join("; ") || "none"}`);
    });

  const committed = await reader(bed, output, "read_committed");
  await bed.waitFor(() => committed.received.length >= count, `${count} outputs read_committed (errors: ${errors.slice(0, 3).join("; ")})`, 30_000);
  const uncommitted = await reader(bed, output, "read_uncommitted");
  // Aborted attempts left output in the log: read_uncommitted sees more than one per input.
  await bed.waitFor(() => uncommitted.received.length > count, `aborted output in the log (read_uncommitted, more than ${count})`, 30_000);
  await sleep(bed.t(500));

  expect(withoutTransaction, "attempts without context.transaction").toBe(0);
  expect(injected, "failures injected (else the test proves nothing)").toBeGreaterThan(0);
  expect(committed.received.length, "outputs read_committed: one per input").toBe(count);
  expect(digest(committed.received.map((m) => `${m.key?.toString("utf8")}\u0000${m.value?.toString("utf8")}`)), "the outputs' key+value multiset").toBe(expected);
  const last = new Map<string, number>();
  for (const m of committed.received) {
    const [, key, seq] = m.value!.toString("utf8").split(":");
    expect(Number(seq), `order of key ${key}`).toBe((last.get(key!) ?? -1) + 1);
    last.set(key!, Number(seq));
  }
  expect(await committedOf(bed, groupId, input), "the group's committed offsets, read back").toEqual(ends);
  bed.report(`transactions/${mode}: ${count} inputs, ${injected} injected failures, ${uncommitted.received.length - count} aborted outputs in the log`);
}

export const transactionTests = defineGroup("transactions", ({ test: anyTest, caps }) => {
  /** Every test of the group but the last needs the capability: skipped by it, never by name. */
  const test: typeof anyTest = (name, fn, options = {}) => anyTest(name, fn, { ...options, needs: ["transactions", ...(options.needs ?? [])] });

  test("committed records appear atomically: none before the commit (though written), all after, in order per partition", async (bed) => {
    const topic = await bed.topic(3);
    const committed = await reader(bed, topic, "read_committed");
    const uncommitted = await reader(bed, topic, "read_uncommitted");
    // A plain record per partition first: the read_committed consumer is shown to be fetching.
    await bed.produce(topic, 3, (i) => ({ value: `before-${i}`, partition: i }));
    await bed.waitFor(() => committed.received.length >= 3 && uncommitted.received.length >= 3, "the 3 plain records, by both consumers");

    const N = 30;
    const message = (i: number) => ({ key: `key-${i}`, value: `tx-${i}`, partition: i % 3, headers: { seq: String(i) } });
    const producer = await transactional(bed);
    const tx = must(await producer.transaction());
    must(await tx.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, message: message(i) }))));
    for (let i = 20; i < N; i++) must(await tx.send(topic, message(i)));
    await bed.waitFor(() => uncommitted.received.length >= 3 + N, `the ${N} transactional records in the log (read_uncommitted)`);
    await sleep(bed.t(1000));
    expect(valuesOf(committed.received), "read_committed before the commit").toEqual(expect.arrayContaining(["before-0", "before-1", "before-2"]));
    expect(committed.received.length, "read_committed before the commit: the plain records only").toBe(3);

    must(await tx.commit());
    await bed.waitFor(() => committed.received.length >= 3 + N, `the ${N} committed records (read_committed)`);
    await sleep(bed.t(300));
    expect(committed.received.length, "read_committed after the commit").toBe(3 + N);
    for (const p of [0, 1, 2]) {
      const want = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === p);
      const got = committed.received.filter((m) => m.partition === p && m.value?.toString("utf8").startsWith("tx-"));
      expect(got.map(content), `partition ${p}: content, in order`).toEqual(want.map((i) => `key-${i}/tx-${i}/seq=${i}`));
    }
  });

  test("aborted records are never seen by read_committed and are seen by read_uncommitted; a later committed record is seen by both", async (bed) => {
    const topic = await bed.topic(2);
    const committed = await reader(bed, topic, "read_committed");
    const uncommitted = await reader(bed, topic, "read_uncommitted");
    const producer = await transactional(bed);
    const aborted = must(await producer.transaction());
    must(await aborted.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, message: { value: `aborted-${i}`, partition: i % 2 } }))));
    must(await aborted.abort());
    const later = must(await producer.transaction());
    must(await later.sendBatch(Array.from({ length: 4 }, (_, i) => ({ topic, message: { value: `committed-${i}`, partition: i % 2 } }))));
    must(await later.commit());

    await bed.waitFor(() => uncommitted.received.length >= 14, "the 10 aborted and 4 committed records (read_uncommitted)");
    await bed.waitFor(() => committed.received.length >= 4, "the 4 committed records (read_committed)");
    await sleep(bed.t(500));
    expect(valuesOf(committed.received).sort(), "read_committed: the committed records only").toEqual(["committed-0", "committed-1", "committed-2", "committed-3"]);
    expect(valuesOf(uncommitted.received).sort(), "read_uncommitted: every record written").toEqual([
      ...Array.from({ length: 10 }, (_, i) => `aborted-${i}`),
      ...["committed-0", "committed-1", "committed-2", "committed-3"],
    ].sort());
    // The read_committed consumer read past the aborted range: its records lie after it.
    for (const p of [0, 1]) {
      const abortedEnd = Math.max(...uncommitted.received.filter((m) => m.partition === p && m.value!.toString().startsWith("aborted-")).map((m) => Number(m.offset)));
      const seen = committed.received.filter((m) => m.partition === p).map((m) => Number(m.offset));
      expect(seen.length, `partition ${p}: committed records read`).toBe(2);
      for (const offset of seen) expect(offset, `partition ${p}: a committed record's offset`).toBeGreaterThan(abortedEnd);
    }
  });

  test("sendOffsets commits the group's offsets only when the transaction commits", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 10, (i) => ({ value: `v${i}`, partition: i % 2 }));
    const groupId = bed.name("g");
    // A member of the group, running, that commits nothing itself: the offsets come from the transactions only.
    const member = await bed.consumer([topic], { groupId, autoCommit: false });
    await bed.waitFor(() => member.received.length >= 10, "the member's 10 messages");
    const producer = await transactional(bed);
    const offsets = (o0: string, o1?: string): TopicPartitionOffset[] => [{ topic, partition: 0, offset: o0 }, ...(o1 ? [{ topic, partition: 1, offset: o1 }] : [])];
    const inTransaction = async (given: TopicPartitionOffset[], end: "commit" | "abort", consumer: IStreamingConsumer = member.consumer) => {
      const tx = must(await producer.transaction());
      must(await tx.send(topic, { value: `with-offsets-${end}`, partition: 0 }));
      must(await tx.sendOffsets({ consumer, offsets: given }));
      must(await (end === "commit" ? tx.commit() : tx.abort()));
    };
    const reaches = (want: [number, string][], what: string) => bed.waitFor(async () => JSON.stringify(await committedOf(bed, groupId, topic)) === JSON.stringify(want), what);

    await inTransaction(offsets("2", "3"), "commit");
    await reaches([[0, "2"], [1, "3"]], "the committed transaction's offsets");
    expect(await committedOf(bed, groupId, topic), "after the first commit").toEqual([[0, "2"], [1, "3"]]);

    await inTransaction(offsets("4", "5"), "abort");
    await sleep(bed.t(500));
    expect(await committedOf(bed, groupId, topic), "after the abort: unchanged").toEqual([[0, "2"], [1, "3"]]);

    // Only partition 0 this time: partition 1 must keep the first commit's offset, not the aborted one.
    await inTransaction(offsets("5"), "commit");
    await reaches([[0, "5"], [1, "3"]], "the second committed transaction's offset (partition 0 only)");
    await sleep(bed.t(300));
    expect(await committedOf(bed, groupId, topic), "exactly the offsets given, the aborted ones never").toEqual([[0, "5"], [1, "3"]]);

    // The { groupId } form: it works, or it is UNSUPPORTED; never a silent no-op.
    const other = bed.name("g-by-id");
    const tx = must(await producer.transaction());
    must(await tx.send(topic, { value: "by-group-id", partition: 1 }));
    const byId = await tx.sendOffsets({ groupId: other, offsets: offsets("7", "1") });
    if (byId.isErr()) {
      expect(byId.error, "sendOffsets({ groupId }) refused").toMatchObject({ category: "UNSUPPORTED" });
      must(await tx.abort());
    } else {
      must(await tx.commit());
      await bed.waitFor(async () => (await committedOf(bed, other, topic)).length === 2, "the { groupId } form's offsets committed");
      expect(await committedOf(bed, other, topic), "sendOffsets({ groupId }): exactly the offsets given").toEqual([[0, "7"], [1, "1"]]);
    }
  }, { timeout: 60_000 });

  test("a newer producer with the same transactionalId fences the older one: PRODUCER_FENCED, its records never visible", async (bed) => {
    const topic = await bed.topic(1);
    const id = bed.name("txid");
    const older = await transactional(bed, id);
    const stale = must(await older.transaction());
    must(await stale.send(topic, { value: "A-0" }));

    const newer = await transactional(bed, id); // a second client: client.getProducer keeps one per id
    const fresh = must(await newer.transaction());
    must(await fresh.send(topic, { value: "B-0" }));
    must(await fresh.commit());

    // Soft checks: a failure here still shows what the rest of the fencing did.
    const sent = await stale.send(topic, { value: "A-1" });
    const commit = await stale.commit();
    if (sent.isErr()) {
      expect.soft(codeOf(sent), "the older producer's next send").toBe("STATE/PRODUCER_FENCED");
      // Its transaction cannot commit now: fenced, or aborted for the failed send.
      expect.soft(["STATE/PRODUCER_FENCED", "STATE/TRANSACTION_ABORTED"], `the older producer's commit after a fenced send (got ${codeOf(commit)})`).toContain(codeOf(commit));
    } else {
      expect.soft(codeOf(commit), "the older producer's commit (its send was ok)").toBe("STATE/PRODUCER_FENCED");
    }
    expect.soft(codeOf(await older.transaction()), "the older producer's next transaction()").toBe("STATE/PRODUCER_FENCED");

    const committed = await reader(bed, topic, "read_committed");
    const uncommitted = await reader(bed, topic, "read_uncommitted");
    await bed.waitFor(() => committed.received.length >= 1, "the newer producer's record (read_committed)");
    await bed.waitFor(() => uncommitted.received.length >= 2, "both producers' records in the log (read_uncommitted)");
    await sleep(bed.t(500));
    expect(valuesOf(committed.received), "read_committed: the newer producer's record only").toEqual(["B-0"]);
    expect(valuesOf(uncommitted.received), "the older producer did write (read_uncommitted)").toContain("A-0");
  }, { timeout: 60_000 });

  test("exactly-once run() with eachMessage: a handler failing at random leaves every input in the output exactly once, in order per key", async (bed) => {
    await exactlyOnceRun(bed, "eachMessage", 2_400);
  }, { timeout: 90_000 });

  test("exactly-once run() with eachBatch: a handler failing at random leaves every input in the output exactly once, in order per key", async (bed) => {
    await exactlyOnceRun(bed, "eachBatch", 2_400);
  }, { timeout: 90_000, needs: ["eachBatch"] });

  test("STATE errors: a closed transaction, a second one in progress, a send outside a transaction, transaction() on a plain producer", async (bed) => {
    const topic = await bed.topic(1);
    const plain = await bed.producer();
    expect(mustFail(await plain.transaction()), "transaction() on a plain producer").toMatchObject({ category: "STATE", code: "NOT_TRANSACTIONAL" });

    const producer = await transactional(bed);
    expect(mustFail(await producer.send(topic, { value: "outside" })), "send outside a transaction").toMatchObject({ category: "STATE", code: "NOT_IN_TRANSACTION" });
    expect(mustFail(await producer.sendBatch([{ topic, message: { value: "outside" } }])), "sendBatch outside a transaction").toMatchObject({ category: "STATE", code: "NOT_IN_TRANSACTION" });
    const admin = await bed.admin();
    expect(must(await admin.fetchTopicOffsets(topic)), "nothing written by the refused sends").toEqual([{ partition: 0, earliest: "0", latest: "0" }]);

    const tx = must(await producer.transaction());
    expect(tx.isOpen()).toBe(true);
    expect(mustFail(await producer.transaction()), "a second transaction() while one is open").toMatchObject({ category: "STATE", code: "TRANSACTION_IN_PROGRESS" });
    expect(mustFail(await producer.send(topic, { value: "outside" })), "send outside the open transaction").toMatchObject({ category: "STATE", code: "NOT_IN_TRANSACTION" });
    must(await tx.send(topic, { value: "inside" }));
    must(await tx.commit());
    expect(tx.isOpen()).toBe(false);
    const closed = { category: "STATE", code: "TRANSACTION_CLOSED" };
    expect(mustFail(await tx.send(topic, { value: "late" })), "send on a committed transaction").toMatchObject(closed);
    expect(mustFail(await tx.sendBatch([{ topic, message: { value: "late" } }])), "sendBatch on a committed transaction").toMatchObject(closed);
    expect(mustFail(await tx.sendOffsets({ groupId: bed.name("g"), offsets: [{ topic, partition: 0, offset: "1" }] })), "sendOffsets on a committed transaction").toMatchObject(closed);
    expect(mustFail(await tx.commit()), "commit twice").toMatchObject(closed);
    expect(mustFail(await tx.abort()), "abort after commit").toMatchObject(closed);

    const next = must(await producer.transaction());
    must(await next.send(topic, { value: "aborted" }));
    must(await next.abort());
    expect(mustFail(await next.commit()), "commit after abort").toMatchObject(closed);
    expect(mustFail(await next.send(topic, { value: "late" })), "send on an aborted transaction").toMatchObject(closed);

    const committed = await reader(bed, topic, "read_committed");
    await bed.waitFor(() => committed.received.length >= 1, "the committed record");
    await sleep(bed.t(300));
    expect(valuesOf(committed.received), "only the committed transaction's record").toEqual(["inside"]);
  }, { timeout: 60_000 });

  test("bad input to sendOffsets is a VALIDATION error, never a throw, and commits nothing", async (bed) => {
    const topic = await bed.topic(1);
    const groupId = bed.name("g");
    const producer = await transactional(bed);
    const tx = must(await producer.transaction());
    must(await tx.send(topic, { value: "kept" }));
    const bad: [string, unknown][] = [
      ["null", null],
      ["a number", 42],
      ["an empty object", {}],
      ["an empty groupId", { groupId: "", offsets: [] }],
      ["offsets not an array", { groupId, offsets: "nope" }],
      ["a negative partition", { groupId, offsets: [{ topic, partition: -1, offset: "0" }] }],
      ["an offset not a decimal string", { groupId, offsets: [{ topic, partition: 0, offset: "abc" }] }],
      ["a consumer not of this library", { consumer: {}, offsets: [{ topic, partition: 0, offset: "1" }] }],
      [
        "a getter that throws",
        {
          get groupId(): string {
            throw new Error("boom");
          },
          offsets: [],
        },
      ],
    ];
    for (const [what, input] of bad) {
      const result = await noThrow(`sendOffsets(${what})`, () => tx.sendOffsets(input as never));
      expect(mustFail(result), `sendOffsets(${what})`).toMatchObject({ category: "VALIDATION" });
    }
    // The refusals left the transaction open and usable, and committed no offset.
    expect(tx.isOpen()).toBe(true);
    must(await tx.commit());
    await sleep(bed.t(300));
    expect(await committedOf(bed, groupId, topic), "the group's offsets").toEqual([]);
    const committed = await reader(bed, topic, "read_committed");
    await bed.waitFor(() => committed.received.length >= 1, "the transaction's record");
    expect(valuesOf(committed.received)).toEqual(["kept"]);
  });

  test("a consumer's isolationLevel defaults to read_uncommitted: it reads an aborted record", async (bed) => {
    const topic = await bed.topic(1);
    const producer = await transactional(bed);
    const tx = must(await producer.transaction());
    must(await tx.sendBatch([0, 1, 2].map((i) => ({ topic, message: { value: `aborted-${i}` } }))));
    must(await tx.abort());
    await bed.produce(topic, 1, () => ({ value: "plain" }));

    const byDefault = await reader(bed, topic, undefined);
    const committed = await reader(bed, topic, "read_committed");
    await bed.waitFor(() => byDefault.received.length >= 4, "the 3 aborted and the plain record (default isolation)");
    await bed.waitFor(() => committed.received.length >= 1, "the plain record (read_committed)");
    await sleep(bed.t(300));
    expect(valuesOf(byDefault.received), "default isolation: every record, the aborted ones too").toEqual(["aborted-0", "aborted-1", "aborted-2", "plain"]);
    // The contrast: the records were aborted indeed.
    expect(valuesOf(committed.received), "read_committed").toEqual(["plain"]);
  });

  anyTest("a connector without transactions answers UNSUPPORTED for transactionalId and read_committed", async (bed) => {
    const client = bed.client();
    expect(mustFail(await client.getProducer({ transactionalId: bed.name("txid") }))).toMatchObject({ category: "UNSUPPORTED", context: { field: "producer.transactionalId" } });
    expect(mustFail(await client.getConsumer({ groupId: bed.name("g"), isolationLevel: "read_committed" }))).toMatchObject({ category: "UNSUPPORTED", context: { field: "consumer.isolationLevel" } });
  }, { when: !caps.transactions });
});
