// The lane scheduler under run({ concurrency }) and the gap-safe offset tracker, alone.
import { describe, expect, it } from "vitest";
import { LaneScheduler } from "../src/runtime/lanes.js";
import { OffsetTracker } from "../src/runtime/offset-tracker.js";

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

describe("LaneScheduler", () => {
  it("runs up to limit units at once, one per lane, each lane in push order", async () => {
    let running = 0;
    let most = 0;
    const perLane = new Map<string, number>();
    const order: string[] = [];
    const s = new LaneScheduler<{ lane: string; n: number }>(3, async (u) => {
      running++;
      most = Math.max(most, running);
      perLane.set(u.lane, (perLane.get(u.lane) ?? 0) + 1);
      expect(perLane.get(u.lane)).toBe(1);
      await new Promise((r) => setTimeout(r, Math.random() * 4));
      order.push(`${u.lane}:${u.n}`);
      perLane.set(u.lane, perLane.get(u.lane)! - 1);
      running--;
    });
    for (let n = 0; n < 20; n++) for (const lane of ["a", "b", "c", "d", "e"]) s.push("p", lane, { lane, n });
    while (order.length < 100) await tick();
    expect(most).toBe(3);
    for (const lane of ["a", "b", "c", "d", "e"]) {
      const seen = order.filter((o) => o.startsWith(`${lane}:`)).map((o) => Number(o.split(":")[1]));
      expect(seen).toEqual([...Array(20).keys()]);
    }
  });

  it("drop takes back what has not started, of the partitions named only", async () => {
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = new LaneScheduler<number>(1, async (u) => {
      started.push(u);
      await gate;
    });
    s.push("p1", "x", 1);
    s.push("p1", "x", 2);
    s.push("p2", "y", 3);
    expect(s.drop((p) => p === "p1").sort()).toEqual([2]);
    release();
    while (started.length < 2) await tick();
    expect(started).toEqual([1, 3]);
  });
});

describe("OffsetTracker", () => {
  it("never moves past an unfinished offset, whatever order they finish in", () => {
    const t = new OffsetTracker();
    for (const o of [10n, 11n, 12n, 15n]) t.add(o);
    t.finish(11n);
    t.finish(12n);
    expect(t.advance()).toBeUndefined(); // 10 unfinished
    t.finish(10n);
    expect(t.advance()).toBe("15");
    t.finish(15n);
    expect(t.advance()).toBe("16");
    expect(t.add(15n)).toBe(false);
    expect(t.add(16n)).toBe(true);
  });

  it("truncate forgets what was taken back, so it is tracked again when fetched again", () => {
    const t = new OffsetTracker();
    for (const o of [0n, 1n, 2n, 3n]) t.add(o);
    t.finish(0n);
    expect(t.advance()).toBe("1");
    t.truncate(2n);
    expect(t.add(2n)).toBe(true);
    t.finish(1n);
    expect(t.advance()).toBe("2");
  });
});
