import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { qiError } from "./both-surfaces.js";
import { DeadlineQueue } from "../src/runtime/deadlines.js";

const timeout = () => qiError("TIMEOUT", "REQUEST_TIMED_OUT", "late", { retriable: true });
const never = <T>(): Promise<T> => new Promise<T>(() => {});

describe("DeadlineQueue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("passes a value or an error through, and times out only what is still pending", async () => {
    const q = new DeadlineQueue(1000);
    const settled: string[] = [];
    const fast = q.bound(Promise.resolve("v"), timeout, () => settled.push("fast"));
    const failing = q.bound(Promise.reject(new Error("boom")), timeout, () => settled.push("failing"));
    const slow = q.bound(never<string>(), timeout, () => settled.push("slow"));
    await expect(fast).resolves.toBe("v");
    await expect(failing).rejects.toThrow("boom");
    const late = expect(slow).rejects.toMatchObject({ category: "TIMEOUT" });
    await vi.advanceTimersByTimeAsync(999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await late;
    expect(settled).toEqual(["fast", "failing"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("expires each entry at its own deadline with one timer", async () => {
    const q = new DeadlineQueue(1000);
    const outcomes: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then(() => outcomes.push(`${name} ok`), () => outcomes.push(`${name} timed out`));
    let release!: () => void;
    track("a", q.bound(never(), timeout));
    await vi.advanceTimersByTimeAsync(400);
    track("b", q.bound(new Promise<void>((r) => (release = r)), timeout));
    await vi.advanceTimersByTimeAsync(300);
    track("c", q.bound(never(), timeout));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(300); // t=1000: a expires
    expect(outcomes).toEqual(["a timed out"]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcomes).toEqual(["a timed out", "b ok"]);
    await vi.advanceTimersByTimeAsync(699); // t=1699: c not yet
    expect(outcomes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // t=1700
    expect(outcomes).toEqual(["a timed out", "b ok", "c timed out"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not grow while one entry hangs and thousands settle behind it", async () => {
    const q = new DeadlineQueue(60_000);
    void q.bound(never(), timeout).catch(() => {});
    for (let i = 0; i < 20_000; i++) await q.bound(Promise.resolve(i), timeout);
    expect((q as unknown as { queue: unknown[] }).queue.length).toBeLessThan(2_000);
  });
});
