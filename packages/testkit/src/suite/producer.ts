/** Producer: what goes in comes out, keyed routing is Java's, batches keep order, bad partitions fail. */
import { JAVA_MURMUR2_VECTORS } from "@qi/streaming/connector";
import { expect } from "vitest";
import { must, mustFail, valuesOf } from "./bed.js";
import { defineGroup } from "./group.js";

export { JAVA_MURMUR2_VECTORS };

const ONE_MIB = 1024 * 1024;

export const producerTests = defineGroup("producer", ({ test, caps }) => {
  test("a round trip keeps key, value (binary, UTF-8, empty, 1 MiB), headers and timestamp", async (bed) => {
    const topic = await bed.topic();
    const binary = Buffer.from([0, 1, 2, 253, 254, 255]);
    const big = Buffer.alloc(ONE_MIB - 512, 7); // a record just under the broker's 1 MiB default limit
    const ts = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    const sent = [
      { key: "k-bin", value: binary, headers: { "h-str": "v", "h-bin": Buffer.from([0, 255]) }, timestamp: ts },
      { key: Buffer.from("k-utf8"), value: "héllo wörld ✓" },
      { key: "k-empty", value: "" },
      { key: "k-big", value: big },
    ];
    const producer = await bed.producer();
    for (const m of sent) must(await producer.send(topic, m));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 4, "4 messages");
    const [a, b, c, d] = received;
    expect(a!.key).toEqual(Buffer.from("k-bin"));
    expect(a!.value).toEqual(binary);
    expect(a!.headers).toEqual({ "h-str": Buffer.from("v"), "h-bin": Buffer.from([0, 255]) });
    expect(a!.timestamp.getTime()).toBe(ts.getTime());
    expect(b!.value!.toString("utf8")).toBe("héllo wörld ✓");
    expect(b!.headers).toEqual({});
    expect(c!.value).toEqual(Buffer.alloc(0));
    expect(d!.value!.equals(big)).toBe(true);
  }, { timeout: 60_000 });

  test("a repeated header name keeps every value in order: a Buffer[] on receive, a single one a Buffer", async (bed) => {
    const topic = await bed.topic();
    const producer = await bed.producer();
    must(await producer.send(topic, { value: "h", headers: { "x-trace": ["a", "b", "c"], single: "v" } }));
    must(await producer.sendBatch([{ topic, message: { value: "b", headers: { "x-trace": [Buffer.from("1"), "2"] } } }]));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 2, "2 messages");
    const byValue = new Map(received.map((m) => [m.value!.toString(), m.headers]));
    expect(byValue.get("h")).toEqual({ "x-trace": [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")], single: Buffer.from("v") });
    expect(byValue.get("b")).toEqual({ "x-trace": [Buffer.from("1"), Buffer.from("2")] });
  }, { timeout: 60_000 });

  test("a null value (tombstone) round-trips as null, and an absent key as null", async (bed) => {
    const topic = await bed.topic();
    const producer = await bed.producer();
    must(await producer.send(topic, { key: "gone", value: null }));
    must(await producer.send(topic, { value: "no key" }));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 2, "2 messages");
    expect(received[0]).toMatchObject({ value: null, key: Buffer.from("gone") });
    expect(received[1]!.key).toBeNull();
  });

  test("sendBatch returns one record per message, in input order", async (bed) => {
    const [t1, t2] = [await bed.topic(3), await bed.topic(1)];
    const producer = await bed.producer();
    const batch = Array.from({ length: 30 }, (_, i) => ({ topic: i % 3 === 0 ? t2 : t1, message: { key: `k${i}`, value: `v${i}` } }));
    const results = must(await producer.sendBatch(batch));
    expect(results).toHaveLength(30);
    results.forEach((r, i) => expect(r.topic).toBe(batch[i]!.topic));
    const t2Offsets = results.filter((r) => r.topic === t2).map((r) => Number(r.offset));
    expect(t2Offsets).toEqual([...t2Offsets].sort((a, b) => a - b));
    expect(new Set(results.map((r) => `${r.topic}/${r.partition}/${r.offset}`)).size).toBe(30);
  });

  test("keyed messages land on the Java murmur2 partition (3, 6 and 10 partitions)", async (bed) => {
    const producer = await bed.producer();
    for (const n of [3, 6, 10]) {
      const topic = await bed.topic(n);
      for (const [key, hash] of Object.entries(JAVA_MURMUR2_VECTORS)) {
        const r = must(await producer.send(topic, { key, value: "v" }));
        expect({ key, n, partition: r.partition }).toEqual({ key, n, partition: (hash & 0x7fffffff) % n });
      }
    }
  });

  test("key-less messages spread over every partition, where the log has them", async (bed) => {
    const topic = await bed.topic(3);
    const producer = await bed.producer();
    must(await producer.sendBatch(Array.from({ length: 150 }, (_, i) => ({ topic, message: { value: `batch-${i}` } }))));
    for (let i = 0; i < 150; i++) must(await producer.send(topic, { value: `single-${i}` }));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") }, { fromBeginning: true });
    await bed.waitFor(() => received.length >= 300, "300 messages");
    for (const kind of ["batch", "single"]) {
      const counts = [0, 1, 2].map((p) => received.filter((m) => m.partition === p && m.value!.toString().startsWith(kind)).length);
      expect(counts.every((c) => c >= 25), `${kind}: ${counts.join(" / ")} per partition`).toBe(true);
    }
  });

  test("every codec the connector declares round-trips (compression)", async (bed) => {
    const topic = await bed.topic(1);
    for (const compression of caps.compression) {
      const producer = must(await bed.client().getProducer({ compression }));
      must(await producer.connect());
      must(await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, message: { key: `${compression}-${i}`, value: `${compression}:${"z".repeat(200)}:${i}` } }))));
    }
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") }, { fromBeginning: true });
    await bed.waitFor(() => received.length >= 20 * caps.compression.length, `${20 * caps.compression.length} messages`);
    for (const compression of caps.compression) {
      expect(received.filter((m) => m.value!.toString().startsWith(`${compression}:`)).map((m) => m.key!.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `${compression}-${i}`));
    }
  }, { when: caps.compression.length > 0 });

  test("order per key is kept", async (bed) => {
    const topic = await bed.topic(4);
    await bed.produce(topic, 200, (i) => ({ key: `key-${i % 5}`, value: `${i % 5}:${Math.floor(i / 5)}` }));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 200, "200 messages");
    const last = new Map<string, number>();
    for (const v of valuesOf(received)) {
      const [k, seq] = v.split(":");
      expect(Number(seq)).toBe((last.get(k!) ?? -1) + 1);
      last.set(k!, Number(seq));
    }
  });

  test("an explicit partition is honoured", async (bed) => {
    const topic = await bed.topic(3);
    const producer = await bed.producer();
    for (const p of [2, 0, 1]) expect(must(await producer.send(topic, { key: "same-key", value: "v", partition: p })).partition).toBe(p);
  });

  test("a partition that does not exist is a VALIDATION error", async (bed) => {
    const topic = await bed.topic(2);
    const producer = await bed.producer();
    expect(mustFail(await producer.send(topic, { value: "v", partition: 2 })).category).toBe("VALIDATION");
    expect(mustFail(await producer.sendBatch([{ topic, message: { value: "ok" } }, { topic, message: { value: "v", partition: 7 } }])).category).toBe("VALIDATION");
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") });
    must(await producer.send(topic, { value: "marker", partition: 0 }));
    await bed.waitFor(() => received.length >= 1, "the marker");
    expect(valuesOf(received)).not.toContain("v");
  });

  test("topics are isolated", async (bed) => {
    const [a, b] = [await bed.topic(), await bed.topic()];
    await bed.produce(a, 5, (i) => ({ value: `a${i}` }));
    await bed.produce(b, 3, (i) => ({ value: `b${i}` }));
    const ca = await bed.consumer([a], { groupId: bed.name("g") });
    const cb = await bed.consumer([b], { groupId: bed.name("g") });
    await bed.waitFor(() => ca.received.length >= 5 && cb.received.length >= 3, "both topics");
    expect(valuesOf(ca.received)).toEqual(["a0", "a1", "a2", "a3", "a4"]);
    expect(valuesOf(cb.received)).toEqual(["b0", "b1", "b2"]);
  });

  test("flush delivers everything pending", async (bed) => {
    const topic = await bed.topic();
    const producer = await bed.producer();
    let settled = 0;
    const pending = Array.from({ length: 50 }, (_, i) => producer.send(topic, { value: `p${i}` }).map((r) => (settled++, r)));
    must(await producer.flush());
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(50);
    (await Promise.all(pending)).forEach((r) => must(r));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 50, "50 messages");
  });
});
