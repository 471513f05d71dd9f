/** One commit in flight per partition, whoever commits; one offset per partition per commit. */
import { describe, expect, it } from "vitest";
import { CommitPipeline } from "../src/runtime/commit-pipeline.js";
import { checkOffsets } from "../src/runtime/consumer-checks.js";
import type { TopicPartitionOffset } from "./both-surfaces.js";

describe("commits", () => {
  it("commits of one partition never overlap (explicit and scheduled alike); other partitions go in parallel", async () => {
    const inFlight = new Map<string, number>();
    let overlapSame = 0;
    let parallelOther = 0;
    const order: string[] = [];
    const pipeline = new CommitPipeline(async (offsets) => {
      const keys = offsets.map((o) => `${o.topic}:${o.partition}`);
      for (const k of keys) {
        if ((inFlight.get(k) ?? 0) > 0) overlapSame++;
        inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
      }
      if ([...inFlight].filter(([k, n]) => n > 0 && !keys.includes(k)).length > 0) parallelOther++;
      await new Promise((r) => setTimeout(r, 5));
      order.push(offsets.map((o) => o.offset).join(","));
      for (const k of keys) inFlight.set(k, inFlight.get(k)! - 1);
    }, () => undefined);
    const p0 = (offset: string): TopicPartitionOffset => ({ topic: "t", partition: 0, offset });
    pipeline.processedUpTo(p0("1"));
    await Promise.all([pipeline.schedule("t", 0), pipeline.commitThese([p0("5")]), pipeline.commitThese([p0("3")]), pipeline.commitThese([{ topic: "t", partition: 1, offset: "9" }])]);
    expect(overlapSame).toBe(0);
    expect(parallelOther).toBeGreaterThan(0);
    // In call order: what the broker keeps is the last one asked for.
    expect(order.filter((o) => o !== "9")).toEqual(["1", "5", "3"]);
  });

  it("a failed commit does not block the next one of its partition", async () => {
    let calls = 0;
    const pipeline = new CommitPipeline(async () => {
      if (++calls === 1) throw new Error("broker said no");
    }, () => undefined);
    const tpo = { topic: "t", partition: 0, offset: "2" };
    await expect(pipeline.commitThese([tpo])).rejects.toThrow("broker said no");
    await expect(pipeline.commitThese([tpo])).resolves.toBeUndefined();
  });

  it("commitOffsets keeps one offset per partition, the last given", () => {
    const checked = checkOffsets(
      [
        { topic: "t", partition: 0, offset: "4" },
        { topic: "t", partition: 1, offset: "6" },
        { topic: "t", partition: 0, offset: "5" },
      ],
      {},
    )._unsafeUnwrap();
    expect(checked).toEqual([
      { topic: "t", partition: 1, offset: "6" },
      { topic: "t", partition: 0, offset: "5" },
    ]);
  });
});
