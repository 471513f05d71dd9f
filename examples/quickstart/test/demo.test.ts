import { describe, expect, it } from "vitest";
import { runDemo } from "../src/demo.js";

describe("quick-start demo on the memory connector", () => {
  it("delivers every message once, spread over partitions and both consumers, in order per key", async () => {
    const result = await runDemo({ connector: "memory" }, { messages: 3000, partitions: 6 });
    expect(result.isOk()).toBe(true);
    const r = result._unsafeUnwrap();
    expect(r.consumed).toBe(3000);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.orderPerKeyKept).toBe(true);
    expect(Object.keys(r.perPartition)).toHaveLength(6);
    expect(Object.keys(r.perConsumer).sort()).toEqual(["consumer-a", "consumer-b"]);
  });
});
