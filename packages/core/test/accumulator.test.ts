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

describe("SendAccumulator", () => {
  it("sends at once when nothing is in flight, and gathers what arrives meanwhile into one request", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 0, perPartition: false });
    const first = acc.add([rec(0, "a")]);
    await tick();
    expect(c.requests).toHaveLength(1);
    const later = [acc.add([rec(0, "b")]), acc.add([rec(0, "c")]), acc.add([rec(0, "d")])];
    await tick();
    expect(c.requests).toHaveLength(1); // partition 0 busy: they wait
    c.requests[0]!.release();
    expect((await first)[0]!.offset).toBe("0");
    await tick();
    expect(c.requests).toHaveLength(2);
    expect(c.requests[1]!.records.map((r) => r.value!.toString())).toEqual(["b", "c", "d"]); // one request, in order
    c.requests[1]!.release();
    expect((await Promise.all(later)).map((r) => r[0]!.offset)).toEqual(["1", "2", "3"]);
  });

  it("lets ready partitions share one request, or gives each its own with perPartition", async () => {
    for (const perPartition of [false, true]) {
      const c = fakeClient();
      const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 0, perPartition });
      const sent = acc.add([rec(0), rec(1), rec(2), rec(0)]);
      await tick();
      expect(c.requests).toHaveLength(perPartition ? 3 : 1);
      for (const r of c.requests) r.release();
      expect((await sent).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/0", "1/0", "2/0", "0/1"]);
    }
  });

  it("with perPartition, a failed partition fails only the sends that had records in it", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 0, perPartition: true });
    const onlyP1 = acc.add([rec(1)]);
    const withP0 = acc.add([rec(0)]);
    await tick();
    c.requests.find((r) => r.records[0]!.partition === 0)!.release(new Error("too large"));
    c.requests.find((r) => r.records[0]!.partition === 1)!.release();
    await expect(withP0).rejects.toThrow("too large");
    expect((await onlyP1)[0]!.partition).toBe(1);
  });

  it("caps a partition's request at batchSize bytes and sends the rest next", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 100, lingerMs: 0, perPartition: false });
    const busy = acc.add([rec(0)]);
    await tick();
    const waiting = Array.from({ length: 5 }, () => acc.add([rec(0, "x".repeat(40))]));
    c.requests[0]!.release();
    await busy;
    await tick();
    expect(c.requests[1]!.records).toHaveLength(1); // 40 B + overhead: one fits in 100 B
    for (let i = 1; i <= 5; i++) {
      await tick();
      c.requests[i]?.release();
    }
    await Promise.all(waiting);
    expect(c.requests).toHaveLength(6);
  });

  it("holds ready records for lingerMs before sending", async () => {
    const c = fakeClient();
    const acc = new SendAccumulator({ send: c.send, batchSize: 1 << 20, lingerMs: 30, perPartition: false });
    void acc.add([rec(0)]);
    void acc.add([rec(0)]);
    await tick();
    expect(c.requests).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.requests).toHaveLength(1);
    expect(c.requests[0]!.records).toHaveLength(2);
  });
});
