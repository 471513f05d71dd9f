// A revocation waits for the revoked partitions' handlers, bounded by closeTimeoutMs: a handler
// that never returns does not hold the group's rebalance, its message is not committed, and the
// partitions reach the new member; with and without run({ concurrency }).
import { describe, expect, it } from "vitest";
import type { ConcurrencyConfig, QiError } from "../src/index.js";
import { client, closeClientsAfterEach, seededTopic, unique } from "./fixtures/memory-clients.js";

closeClientsAfterEach();

describe.each<[string, ConcurrencyConfig | undefined]>([
  ["one handler per partition", undefined],
  ["by key", { by: "key", limit: 4 }],
])("memory, %s: a revocation with a handler that never returns", (_name, concurrency) => {
  it("waits closeTimeoutMs, reports HANDLER_ABANDONED, commits nothing of it, and the partition moves", async () => {
    // Round robin over sorted member ids: "a-…" keeps partition 0, partition 1 moves to "b-…".
    const { cluster, topic } = await seededTopic("rev", [{ key: "k", value: "stuck", partition: 1 }]);
    const groupId = unique("g");
    const errors: QiError[] = [];
    const first = (await client(cluster, "a-first").getConsumer({ groupId, closeTimeoutMs: 400, onError: (e) => void errors.push(e) }))._unsafeUnwrap();
    (await first.connect())._unsafeUnwrap();
    (await first.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    let started = 0;
    (await first.run({ ...(concurrency ? { concurrency } : {}), eachMessage: () => {
      started++;
      return new Promise(() => {}); // never settles, ignores its signal
    } }))._unsafeUnwrap();
    await expect.poll(() => started).toBe(1);

    // A second member joins: one partition moves to it; the stuck handler must not hold that up.
    const second = (await client(cluster, "b-second").getConsumer({ groupId }))._unsafeUnwrap();
    (await second.connect())._unsafeUnwrap();
    (await second.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    const seen: string[] = [];
    const t0 = Date.now();
    (await second.run({ eachMessage: async (m) => void seen.push(m.value!.toString()) }))._unsafeUnwrap();
    await expect.poll(() => second.assignment().map((p) => p.partition), { timeout: 3000 }).toEqual([1]);
    // It moved after closeTimeoutMs: the stuck message was not committed, so the new owner reads it.
    await expect.poll(() => seen, { timeout: 3000 }).toEqual(["stuck"]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(first.assignment().map((p) => p.partition)).toEqual([0]);
    expect(errors.map((e) => e.code)).toContain("HANDLER_ABANDONED");
    expect(errors.find((e) => e.code === "HANDLER_ABANDONED")?.context.operation).toBe("consumer.revoked");
  });
});

/**
 * Partition 1 holds `values` (one key); a first member handles them, its handler held on the
 * first one; a second member joins and takes partition 1 (round robin over sorted member ids:
 * "a-…" keeps partition 0), and the held handler is let go 200 ms into the revocation. Returns
 * what each member handled and the offset committed for partition 1.
 */
async function handOverMidStream(values: readonly string[], concurrency?: ConcurrencyConfig): Promise<{ firstSeen: string[]; seen: string[]; committed: string | undefined }> {
  const { cluster, topic, admin: a } = await seededTopic("rev", values.map((value) => ({ key: "k", value, partition: 1 })));
  const groupId = unique("g");
  const first = (await client(cluster, "a-first").getConsumer({ groupId, closeTimeoutMs: 5000 }))._unsafeUnwrap();
  (await first.connect())._unsafeUnwrap();
  (await first.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
  const firstSeen: string[] = [];
  let release: () => void = () => {};
  (await first.run({ ...(concurrency ? { concurrency } : {}), eachMessage: async (m) => {
    firstSeen.push(m.value!.toString());
    if (m.value!.toString() === values[0]) await new Promise<void>((r) => (release = r));
  } }))._unsafeUnwrap();
  await expect.poll(() => firstSeen).toEqual([values[0]]);

  const second = (await client(cluster, "b-second").getConsumer({ groupId }))._unsafeUnwrap();
  (await second.connect())._unsafeUnwrap();
  (await second.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
  const seen: string[] = [];
  const running = second.run({ eachMessage: async (m) => void seen.push(m.value!.toString()) });
  // The revocation waits for the held handler; it finishes well inside closeTimeoutMs.
  setTimeout(() => release(), 200);
  (await running)._unsafeUnwrap();
  await expect.poll(() => seen, { timeout: 3000 }).toEqual(values.slice(1));
  const committed = (await a.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap().find((c) => c.partition === 1)?.offset;
  return { firstSeen, seen, committed };
}

describe("memory: a revocation with a handler running that finishes in time", () => {
  it("by key: commits it before the partition moves; the new owner starts after it and reads what had not started", async () => {
    const { firstSeen, committed } = await handOverMidStream(["slow", "next-1", "next-2"], { by: "key", limit: 4 });
    expect(firstSeen).toEqual(["slow"]);
    expect(committed).toBe("3");
  });

  it("one handler per partition: stops the batch after the message being handled and commits it; the rest of the batch goes to the new owner, nothing is handled twice", async () => {
    const { firstSeen, committed } = await handOverMidStream(["m0", "m1", "m2", "m3"]);
    // The first member handled m0 only: the revocation stopped its batch there.
    expect(firstSeen).toEqual(["m0"]);
    expect(committed).toBe("4");
  });
});
