// The driver's membership events over a fake sink: everything owned is revoked before each
// JoinGroup (which waits for it, at most holdMs), the new assignment is reported after, in
// order; a crash reports, gives back, and refuses commits. No broker.
import type { TopicPartition } from "@qi/streaming";
import type { BatchSink } from "@qi/streaming/connector";
import { expect, test } from "vitest";
import { joinHoldMs } from "../../src/consumer.js";
import { Membership } from "../../src/membership.js";

const tps = (...ps: number[]): TopicPartition[] => ps.map((partition) => ({ topic: "t", partition }));

function fakeSink(revokeMs = 0) {
  const calls: string[] = [];
  const sink: BatchSink = {
    deliver: async () => undefined,
    revoked: async (p) => {
      calls.push(`revoked start ${p.map((x) => x.partition).join(",")}`);
      if (revokeMs > 0) await new Promise((r) => setTimeout(r, revokeMs));
      calls.push(`revoked end ${p.map((x) => x.partition).join(",")}`);
    },
    error: (e) => void calls.push(`error ${e instanceof Error ? e.message : String(e)}`),
    assigned: (p) => void calls.push(`assigned ${p.map((x) => x.partition).join(",")}`),
    crashed: (e) => void calls.push(`crashed ${e instanceof Error ? e.message : String(e)}`),
  };
  return { sink, calls };
}

test("first join: no hold; the assignment is reported, then the join", async () => {
  const m = new Membership("g", 10_000, () => undefined);
  const { sink, calls } = fakeSink();
  m.start(sink);
  expect(m.beforeJoin()).toBeUndefined();
  let reported = false;
  m.joined(tps(0, 1), () => (reported = true));
  await m.ready;
  expect(calls).toEqual(["assigned 0,1"]);
  expect(reported).toBe(true);
  expect(m.owned).toEqual(tps(0, 1));
  expect(m.joinedOnce).toBe(true);
});

test("a rejoin: everything owned is revoked and the JoinGroup waits for it; the next assignment comes after", async () => {
  const m = new Membership("g", 10_000, () => undefined);
  const { sink, calls } = fakeSink(50);
  m.start(sink);
  m.joined(tps(0, 1, 2, 3), () => undefined);
  await m.ready;
  const hold = m.beforeJoin();
  expect(hold).toBeInstanceOf(Promise);
  expect(m.owned, "nothing owned while revoking").toEqual([]);
  // A retried JoinGroup waits for the same revocation; nothing is revoked twice.
  const again = m.beforeJoin();
  await hold;
  await again;
  expect(calls).toEqual(["assigned 0,1,2,3", "revoked start 0,1,2,3", "revoked end 0,1,2,3"]);
  m.joined(tps(0, 2), () => undefined);
  await m.ready;
  expect(calls.slice(3)).toEqual(["assigned 0,2"]);
  expect(m.owns({ topic: "t", partition: 2 })).toBe(true);
  expect(m.owns({ topic: "t", partition: 1 })).toBe(false);
});

test("an assignment arriving while the revocation still runs (the hold timed out) is reported after it", async () => {
  const warnings: string[] = [];
  const m = new Membership("g", 20, (w) => warnings.push(w));
  const { sink, calls } = fakeSink(150);
  m.start(sink);
  m.joined(tps(0, 1), () => undefined);
  await m.ready;
  const started = Date.now();
  await m.beforeJoin();
  expect(Date.now() - started).toBeLessThan(140);
  expect(warnings[0]).toMatch(/still runs after 20 ms/);
  expect(m.beforeJoin(), "past holdMs, a JoinGroup is not held again").toBeUndefined();
  m.joined(tps(1), () => undefined);
  expect(m.owned).toEqual([]);
  await m.ready;
  expect(calls).toEqual(["assigned 0,1", "revoked start 0,1", "revoked end 0,1", "assigned 1"]);
});

test("a join the gate did not see revokes everything owned before the new assignment", async () => {
  const m = new Membership("g", 10_000, () => undefined);
  const { sink, calls } = fakeSink();
  m.start(sink);
  m.joined(tps(0, 1), () => undefined);
  m.joined(tps(1, 2), () => undefined);
  await m.ready;
  expect(calls).toEqual(["assigned 0,1", "revoked start 0,1", "revoked end 0,1", "assigned 1,2"]);
});

test("a crash without restart: crashed, what was owned revoked, commits refused; a restart's crash is an error, and a join clears it", async () => {
  const m = new Membership("g", 10_000, () => undefined);
  const { sink, calls } = fakeSink();
  m.start(sink);
  m.joined(tps(0, 1), () => undefined);
  await m.ready;
  m.crashed(new Error("boom"), false);
  await m.ready;
  expect(calls).toEqual(["assigned 0,1", "crashed boom", "revoked start 0,1", "revoked end 0,1"]);
  expect(m.outOfGroup).toMatchObject({ category: "STATE", code: "CONSUMER_CRASHED" });
  expect(m.owned).toEqual([]);
  expect(m.beforeJoin(), "nothing owned: nothing held").toBeUndefined();

  m.crashed(new Error("again"), true);
  expect(calls.at(-1)).toBe("error again");
  expect(m.outOfGroup?.message).toMatch(/restarts it/);
  m.joined(tps(0), () => undefined);
  await m.ready;
  expect(m.outOfGroup).toBeUndefined();
  expect(calls.at(-1)).toBe("assigned 0");
});

test("reset drops what still waits: no report after the member left", async () => {
  const m = new Membership("g", 10_000, () => undefined);
  const { sink, calls } = fakeSink(50);
  m.start(sink);
  m.joined(tps(0), () => undefined);
  await m.ready;
  void m.beforeJoin();
  await new Promise((r) => setTimeout(r, 10));
  m.joined(tps(1), () => undefined);
  m.reset();
  await new Promise((r) => setTimeout(r, 100));
  expect(calls).toEqual(["assigned 0", "revoked start 0", "revoked end 0"]);
  expect(m.owned).toEqual([]);
});

test("joinHoldMs: below the session and rebalance timeouts by one heartbeat interval and a second", () => {
  expect(joinHoldMs({ sessionTimeout: 30_000 }, 30_000)).toBe(26_000);
  expect(joinHoldMs({ sessionTimeout: 30_000, rebalanceTimeout: 10_000, heartbeatInterval: 1000 }, 30_000)).toBe(8000);
  expect(joinHoldMs({ sessionTimeout: 1000 }, 1000)).toBe(0);
});
