import { describe, expect, it } from "vitest";
import { SendAccumulator } from "../src/runtime/accumulator.js";
import type { ProduceResult, RoutedRecord } from "./both-surfaces.js";

const rec = (partition: number, value = "v", topic = "t"): RoutedRecord => ({ topic, partition, key: null, value: Buffer.from(value), headers: {}, timestamp: undefined });

/** A fake client: records every request; each answers when `release()` is called. */
function fakeClient() {
  const requests: { records: readonly RoutedRecord[]; release: (error?: unknown) => void }[] = [];
  const offsets = new Map<string, number>();
  const send = (records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> =>
    new Promise((resolve, reject) => {
      requests.push({
        records,
        release: (error) => {
          if (error) return reject(error);
          resolve(records.map((r) => {
            const k = `${r.partition}:${r.topic}`;
            const o = offsets.get(k) ?? 0;
            offsets.set(k, o + 1);
            return { topic: r.topic, partition: r.partition, offset: String(o) };
          }));
        },
      });
    });
  return { requests, send };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One partition's records, as core hands them over (bytes as the accumulator counts them). */
const add = (acc: SendAccumulator, ...records: RoutedRecord[]) => acc.add(records, records.reduce((n, r) => n + (r.value?.length ?? 0) + 24, 0));

describe("SendAccumulator", () => {
  it("sends at once when nothing is in flight, and gathers what arrives meanwhile into one request", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 0 });
    const first = add(acc, rec(0, "a"));
    await tick();
    expect(c.requests).toHaveLength(1);
    const later = [add(acc, rec(0, "b")), add(acc, rec(0, "c")), add(acc, rec(0, "d"))];
    await tick();
    expect(c.requests).toHaveLength(1); // partition 0 busy: they wait
    c.requests[0]!.release();
    expect((await first.promise)[0]!.offset).toBe("0");
    await tick();
    expect(c.requests).toHaveLength(2);
    expect(c.requests[1]!.records.map((r) => r.value!.toString())).toEqual(["b", "c", "d"]); // one request, in order
    c.requests[1]!.release();
    expect((await Promise.all(later.map((l) => l.promise))).map((r) => r[0]!.offset)).toEqual(["1", "2", "3"]);
  });

  it("never mixes partitions in one request", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 0 });
    const sent = [add(acc, rec(0), rec(0)), add(acc, rec(1)), add(acc, rec(2)), add(acc, rec(0, "v", "u"))];
    await tick();
    expect(c.requests).toHaveLength(4);
    for (const r of c.requests) expect(new Set(r.records.map((x) => `${x.partition}:${x.topic}`)).size).toBe(1);
    for (const r of c.requests) r.release();
    expect((await Promise.all(sent.map((s) => s.promise))).flat().map((r) => `${r.topic}/${r.partition}/${r.offset}`)).toEqual(["t/0/0", "t/0/1", "t/1/0", "t/2/0", "u/0/0"]);
  });

  it("a failed partition fails only the sends that had records in it", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 0 });
    const onlyP1 = add(acc, rec(1));
    const withP0 = add(acc, rec(0));
    await tick();
    c.requests.find((r) => r.records[0]!.partition === 0)!.release(new Error("too large"));
    c.requests.find((r) => r.records[0]!.partition === 1)!.release();
    await expect(withP0.promise).rejects.toThrow("too large");
    expect((await onlyP1.promise)[0]!.partition).toBe(1);
  });

  it("takes back records that still wait (cancel), never sending them, and not those already sent", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 0 });
    const busy = add(acc, rec(0, "a"));
    await tick();
    const dropped = add(acc, rec(0, "b"));
    const kept = add(acc, rec(0, "c"));
    expect(busy.cancel()).toBe(false); // with the client already
    expect(dropped.cancel()).toBe(true);
    c.requests[0]!.release();
    await tick();
    expect(c.requests[1]!.records.map((r) => r.value!.toString())).toEqual(["c"]);
    c.requests[1]!.release();
    expect((await kept.promise)[0]!.offset).toBe("1");
  });

  it("caps a partition's request at batchSize bytes and sends the rest next", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 100, lingerMs: 0 });
    const busy = add(acc, rec(0));
    await tick();
    const waiting = Array.from({ length: 5 }, () => add(acc, rec(0, "x".repeat(40))));
    c.requests[0]!.release();
    await busy.promise;
    await tick();
    expect(c.requests[1]!.records).toHaveLength(1); // 40 B + overhead: one fits in 100 B
    for (let i = 1; i <= 5; i++) {
      await tick();
      c.requests[i]?.release();
    }
    await Promise.all(waiting.map((w) => w.promise));
    expect(c.requests).toHaveLength(6);
  });

  it("holds ready records for lingerMs before sending", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 30 });
    add(acc, rec(0));
    add(acc, rec(0));
    await tick();
    expect(c.requests).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.requests).toHaveLength(1);
    expect(c.requests[0]!.records).toHaveLength(2);
  });
});
