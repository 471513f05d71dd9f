// Positions and group membership: where each partition is read from, and what a rebalance keeps.
// The offset look-ups and core's sink are fakes: no broker needed.
import type { TopicPartition } from "@qi/streaming";
import type { BatchSink } from "@qi/streaming/connector";
import { describe, expect, test, vi } from "vitest";
import { Membership } from "../../src/membership.js";
import { lookUpPositions, Positions, type OffsetSource } from "../../src/positions.js";

/** Committed offsets, and the log's start and end, per "partition:topic"; calls recorded. */
function source(committed: Record<string, bigint>, start: Record<string, bigint>, end: Record<string, bigint>) {
  const calls: { committed: unknown[]; offsets: { timestamp: bigint; partitions: Record<string, number[]> }[] } = { committed: [], offsets: [] };
  const answer = (table: Record<string, bigint>, topics: { topic: string; partitions: number[] }[]) => {
    const out = new Map<string, bigint[]>();
    for (const { topic, partitions } of topics) {
      const list: bigint[] = [];
      for (const p of partitions) list[p] = table[`${p}:${topic}`] ?? -1n;
      out.set(topic, list);
    }
    return out;
  };
  const s: OffsetSource = {
    async listCommittedOffsets({ topics }) {
      calls.committed.push(topics);
      return answer(committed, topics);
    },
    async listOffsets({ partitions, timestamp }) {
      calls.offsets.push({ timestamp, partitions });
      return answer(timestamp === -2n ? start : end, Object.entries(partitions).map(([topic, ps]) => ({ topic, partitions: ps })));
    },
  };
  return { source: s, calls };
}

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

function positions(src: OffsetSource) {
  const errors: unknown[] = [];
  let known = 0;
  const p = new Positions(() => src, (e) => errors.push(e), () => void known++);
  return { p, errors, known: () => known };
}

describe("initial positions", () => {
  test("the committed offset, else latest; earliest with fromBeginning", async () => {
    const { source: src, calls } = source({ "0:a": 7n }, { "1:a": 2n, "0:b": 0n }, { "1:a": 50n, "0:b": 9n });
    for (const fromBeginning of [false, true]) {
      const { p } = positions(src);
      const states = [p.state(tp("a", 0)), p.state(tp("a", 1)), p.state(tp("b", 0))];
      await lookUpPositions(src, states, fromBeginning);
      expect(states.map((s) => s.position)).toEqual(fromBeginning ? [7n, 2n, 0n] : [7n, 50n, 9n]);
    }
    // One look-up of committed offsets per call, then earliest/latest only for those without one.
    expect(calls.committed[0]).toEqual([{ topic: "a", partitions: [0, 1] }, { topic: "b", partitions: [0] }]);
    expect(calls.offsets).toEqual([
      { timestamp: -1n, partitions: { a: [1], b: [0] } },
      { timestamp: -2n, partitions: { a: [1], b: [0] } },
    ]);
  });

  test("a partition sought while its position was looked up keeps the seek", async () => {
    const { source: src } = source({ "0:a": 7n }, {}, { "1:a": 50n });
    const { p } = positions(src);
    const states = [p.state(tp("a", 0)), p.state(tp("a", 1))];
    const looking = lookUpPositions(src, states, false);
    p.seek(tp("a", 0), "3", true);
    p.seek(tp("a", 1), "4", true);
    await looking;
    expect(states.map((s) => s.position)).toEqual([3n, 4n]);
  });

  test("nothing to look up asks nothing", async () => {
    const { source: src, calls } = source({}, {}, {});
    await lookUpPositions(src, [], true);
    expect(calls.committed).toEqual([]);
  });
});

describe("seek, rewind, out of range", () => {
  test("a rewind sets the position, bumps the epoch and drops the queued batch", () => {
    const { p } = positions(source({}, {}, {}).source);
    const s = p.state(tp("a", 0));
    s.prefetched = { epoch: 0, messages: [], highWatermark: "9", bytes: 0 };
    p.rewind(s, "12");
    expect(s).toMatchObject({ position: 12n, epoch: 1, prefetched: undefined });
  });

  test("a seek before the partition is owned is kept by the next assignment", async () => {
    const { source: src } = source({ "0:a": 100n }, {}, {});
    const { p } = positions(src);
    p.seek(tp("a", 0), "5", false);
    p.assign([tp("a", 0)], new Set());
    await p.ready;
    expect(p.get("a", 0)).toMatchObject({ position: 5n, seeked: false });
  });

  test("out of range: to the log start with fromBeginning, else to the end; looked up when the broker says neither", async () => {
    const { source: src } = source({ "0:a": 4n }, {}, {});
    const { p } = positions(src);
    const s = p.state(tp("a", 0));
    expect(p.outOfRange(s, 10n, 20n)).toBe(20n);
    p.fromBeginning = true;
    expect(p.outOfRange(s, 10n, 20n)).toBe(10n);
    expect(p.outOfRange(s, -1n, 20n)).toBeUndefined();
    await p.ready;
    expect(s.position).toBe(4n);
  });
});

describe("assignments", () => {
  test("a new assignment looks positions up, drops states no longer assigned, then says so", async () => {
    const { source: src } = source({ "0:a": 3n, "1:a": 8n }, {}, {});
    const { p, known } = positions(src);
    p.state(tp("old", 0)).position = 1n;
    p.assign([tp("a", 0), tp("a", 1)], new Set());
    expect(p.get("a", 0)?.position).toBeUndefined();
    await p.ready;
    expect([p.get("a", 0)?.position, p.get("a", 1)?.position]).toEqual([3n, 8n]);
    expect(p.get("old", 0)).toBeUndefined();
    expect(known()).toBe(1);
  });

  test("a failed look-up is reported", async () => {
    const failing: OffsetSource = { listCommittedOffsets: () => Promise.reject(new Error("down")), listOffsets: () => Promise.reject(new Error("down")) };
    const { p, errors } = positions(failing);
    p.assign([tp("a", 0)], new Set());
    await p.ready;
    expect(errors).toHaveLength(1);
    p.clear();
  });

  test("a failed look-up is tried again after a back-off, for the partitions still held without a position", async () => {
    const { source: good } = source({ "0:a": 5n, "1:a": 6n }, {}, {});
    let failures = 2;
    const asked: number[][] = [];
    const flaky: OffsetSource = {
      listCommittedOffsets: (o) => {
        asked.push(o.topics.flatMap((t) => t.partitions));
        return failures-- > 0 ? Promise.reject(new Error("coordinator loading")) : good.listCommittedOffsets(o);
      },
      listOffsets: (o) => good.listOffsets(o),
    };
    const errors: unknown[] = [];
    const delays: number[] = [];
    const p = new Positions(() => flaky, (e) => errors.push(e), () => {}, (attempt) => (delays.push(attempt), 5));
    p.assign([tp("a", 0), tp("a", 1)], new Set());
    await p.ready;
    // Sought meanwhile: its position is known, it is not looked up again.
    p.seek(tp("a", 1), "9", true);
    await vi.waitFor(() => expect(p.get("a", 0)?.position).toBe(5n));
    expect(asked).toEqual([[0, 1], [0], [0]]);
    expect(p.get("a", 1)?.position).toBe(9n);
    expect(errors).toHaveLength(2);
    expect(delays).toEqual([0, 1]);
  });

  test("a new assignment cancels the retry of a failed look-up (it looks up what it needs itself)", async () => {
    let calls = 0;
    const failing: OffsetSource = { listCommittedOffsets: () => (calls++, Promise.reject(new Error("down"))), listOffsets: () => Promise.reject(new Error("down")) };
    const p = new Positions(() => failing, () => {}, () => {}, () => 20);
    p.assign([tp("a", 0)], new Set());
    await p.ready;
    p.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(1);
  });
});

describe("membership", () => {
  /** Core's sink: a revocation waits until released; the events in order. */
  function sink() {
    const revoked: TopicPartition[][] = [];
    const events: string[] = [];
    let release: () => void = () => {};
    const s: BatchSink = {
      deliver: async () => {},
      revoked: (partitions) => {
        revoked.push([...partitions]);
        events.push(`revoked ${partitions.map((p) => p.partition).join(",")}`);
        return new Promise<void>((r) => (release = r));
      },
      error: () => {},
      assigned: (partitions) => void events.push(`assigned ${partitions.map((p) => p.partition).join(",")}`),
      crashed: () => {},
    };
    return { sink: s, revoked, events, release: () => release() };
  }

  test("before a join everything is revoked (after core's deliveries); nothing is delivered meanwhile", async () => {
    const { source: src } = source({ "0:a": 0n, "1:a": 0n }, {}, {});
    const { p } = positions(src);
    const k = sink();
    const m = new Membership(p, () => k.sink);
    m.joined({ groupId: "g", memberId: "m", generationId: 1, assignments: [{ topic: "a", partitions: [0, 1] }] });
    await p.ready;
    const queued = p.get("a", 1)!;
    queued.position = 20n;
    queued.prefetched = { epoch: queued.epoch, messages: [{ offset: "10" } as never], highWatermark: "30", bytes: 0 };

    const hook = m.beforeJoin();
    expect(m.revoking).toBe(true);
    expect(k.revoked).toEqual([[tp("a", 0), tp("a", 1)]]);
    // Only once core's deliveries ended and were committed is the assignment given up.
    expect(m.owned).toHaveLength(2);
    k.release();
    await hook;
    expect(m.owned).toEqual([]);
    // The batch queued but not delivered is fetched again.
    expect(queued).toMatchObject({ position: 10n, prefetched: undefined });
    // A second hook before the next assignment revokes nothing more.
    await m.beforeJoin();
    expect(k.revoked).toHaveLength(1);
  });

  test("every partition of a new assignment starts at its committed offset, even one owned again in the next generation (core dropped what it had not started)", async () => {
    const { source: src } = source({ "0:a": 3n, "1:a": 5n, "2:a": 0n }, {}, {});
    const { p } = positions(src);
    const k = sink();
    const m = new Membership(p, () => k.sink);
    m.joined({ groupId: "g", memberId: "m", generationId: 4, assignments: [{ topic: "a", partitions: [0, 1] }] });
    await p.ready;
    p.get("a", 0)!.position = 40n;
    p.get("a", 1)!.position = 41n;
    const hook = m.beforeJoin();
    k.release();
    await hook;
    m.joined({ groupId: "g", memberId: "m", generationId: 5, assignments: [{ topic: "a", partitions: [1, 2] }] });
    expect(m.revoking).toBe(false);
    expect(m.owned).toEqual([tp("a", 1), tp("a", 2)]);
    await p.ready;
    expect([p.get("a", 0), p.get("a", 1)?.position, p.get("a", 2)?.position]).toEqual([undefined, 5n, 0n]);
  });

  test("consumer protocol: partitions left out of the next assignment are revoked first (after core's deliveries); kept ones keep their positions and prefetched batch; new ones are looked up", async () => {
    const { source: src } = source({ "0:a": 3n, "1:a": 5n, "2:a": 7n }, {}, {});
    const { p } = positions(src);
    const k = sink();
    const m = new Membership(p, () => k.sink);
    m.reassigned([tp("a", 0), tp("a", 1)]);
    expect(k.events).toEqual(["assigned 0,1"]);
    await p.ready;
    const kept = p.get("a", 1)!;
    kept.position = 41n;
    kept.prefetched = { epoch: kept.epoch, messages: [{ offset: "30" } as never], highWatermark: "50", bytes: 0 };

    const next = [tp("a", 1), tp("a", 2)];
    const revoking = m.revokeMissing(next);
    expect(m.revoking).toBe(true);
    expect(k.revoked).toEqual([[tp("a", 0)]]);
    // Given up only once core's deliveries ended and were committed.
    expect(m.owned).toHaveLength(2);
    k.release();
    await revoking;
    expect(m.owned).toEqual([tp("a", 1)]);
    m.reassigned(next);
    expect(m.revoking).toBe(false);
    expect(m.owned).toEqual(next);
    expect(k.events).toEqual(["assigned 0,1", "revoked 0", "assigned 1,2"]);
    await p.ready;
    expect([p.get("a", 0), kept.position, kept.prefetched?.messages[0]?.offset, p.get("a", 2)?.position]).toEqual([undefined, 41n, "30", 7n]);
    // The same assignment again (a heartbeat answer repeating it) changes nothing.
    m.reassigned(next);
    expect(k.events).toHaveLength(3);
    expect(k.revoked).toHaveLength(1);
  });

  test("a join without the hook revokes what moved away first, then reports the assignment", async () => {
    const { source: src } = source({}, {}, {});
    const { p } = positions(src);
    const k = sink();
    const m = new Membership(p, () => k.sink);
    m.joined({ groupId: "g", memberId: "m", generationId: 1, assignments: [{ topic: "a", partitions: [0, 1] }] });
    m.joined({ groupId: "g", memberId: "m", generationId: 2, assignments: [{ topic: "a", partitions: [1] }] });
    expect(k.revoked).toEqual([[tp("a", 0)]]);
    // Nothing is delivered until core has revoked; the assignment waits for it.
    expect(m.revoking).toBe(true);
    expect(k.events).toEqual(["assigned 0,1", "revoked 0"]);
    k.release();
    await vi.waitFor(() => expect(k.events).toEqual(["assigned 0,1", "revoked 0", "assigned 1"]));
    expect(m.revoking).toBe(false);
    expect(m.owns(tp("a", 1))).toBe(true);
    expect(m.owns(tp("a", 0))).toBe(false);
  });

  test("a second join attempt during the revocation does not wait for it (it may be the revocation's own commit rejoining); its assignment is reported after it", async () => {
    const { source: src } = source({}, {}, {});
    const { p } = positions(src);
    const k = sink();
    const m = new Membership(p, () => k.sink);
    m.joined({ groupId: "g", memberId: "m", generationId: 1, assignments: [{ topic: "a", partitions: [0, 1] }] });
    const first = m.beforeJoin();
    await m.beforeJoin();
    expect(k.revoked).toHaveLength(1);
    // The join completes while core still revokes: the new assignment waits for the revocation.
    m.joined({ groupId: "g", memberId: "m", generationId: 2, assignments: [{ topic: "a", partitions: [1] }] });
    await new Promise((r) => setTimeout(r, 10));
    expect(k.events).toEqual(["assigned 0,1", "revoked 0,1"]);
    expect(m.revoking).toBe(true);
    k.release();
    await first;
    await vi.waitFor(() => expect(k.events).toEqual(["assigned 0,1", "revoked 0,1", "assigned 1"]));
    expect(m.owned).toEqual([tp("a", 1)]);
    expect(m.revoking).toBe(false);
  });

  test("a member that left drops an assignment still waiting for a revocation", async () => {
    const { source: src } = source({}, {}, {});
    const { p } = positions(src);
    const k = sink();
    const m = new Membership(p, () => k.sink);
    m.joined({ groupId: "g", memberId: "m", generationId: 1, assignments: [{ topic: "a", partitions: [0] }] });
    void m.beforeJoin();
    m.joined({ groupId: "g", memberId: "m", generationId: 2, assignments: [{ topic: "a", partitions: [0] }] });
    m.reset();
    k.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(k.events).toEqual(["assigned 0", "revoked 0"]);
    expect(m.owned).toEqual([]);
  });

  test("an ended member (crashed) gives what it owns back once, and no join changes that", async () => {
    const { source: src } = source({}, {}, {});
    const { p } = positions(src);
    const k = sink();
    const m = new Membership(p, () => k.sink);
    m.joined({ groupId: "g", memberId: "m", generationId: 1, assignments: [{ topic: "a", partitions: [0, 1] }] });
    const ended = m.end();
    expect(m.ended).toBe(true);
    expect(k.revoked).toEqual([[tp("a", 0), tp("a", 1)]]);
    k.release();
    await ended;
    expect(m.owned).toEqual([]);
    expect(m.revoking, "nothing is fetched").toBe(true);
    await m.beforeJoin();
    m.joined({ groupId: "g", memberId: "m", generationId: 2, assignments: [{ topic: "a", partitions: [0] }] });
    expect(k.events).toEqual(["assigned 0,1", "revoked 0,1"]);
    expect(m.owned).toEqual([]);
  });
});
