import { describe, expect, it } from "vitest";
import { JAVA_MURMUR2_VECTORS, JavaCompatiblePartitioner, murmur2, partitionForKey } from "./both-surfaces.js";

describe("murmur2, Java-compatible", () => {
  it.each(Object.entries(JAVA_MURMUR2_VECTORS))("hashes %s like the Java client", (key, expected) => {
    expect(murmur2(Buffer.from(key, "utf8"))).toBe(expected);
  });

  it("routes a key to (murmur2 & 0x7fffffff) % partitions, for 3, 6 and 10 partitions", () => {
    for (const [key, hash] of Object.entries(JAVA_MURMUR2_VECTORS)) {
      for (const n of [3, 6, 10]) expect(partitionForKey(key, n)).toBe((hash & 0x7fffffff) % n);
    }
  });

  it("treats a string key as its UTF-8 bytes", () => {
    expect(partitionForKey("clé-ü", 7)).toBe(partitionForKey(Buffer.from("clé-ü", "utf8"), 7));
  });

  it("spreads key-less records over every partition", () => {
    const p = new JavaCompatiblePartitioner();
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) seen.add(p.partition("t", null, 6));
    expect(seen.size).toBe(6);
  });
});
