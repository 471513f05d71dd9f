/** Processing policies, the same on every connector: dead-letter topic, handler timeout, back-off. */
import { DEAD_LETTER_HEADERS } from "@qi/streaming";
import { expect } from "vitest";
import { must, sleep, valuesOf } from "./bed.js";
import { defineGroup } from "./group.js";

export const policyTests = defineGroup("policies", ({ test }) => {
  test("the dead-letter policy publishes the failed message with its origin and error, commits it, and goes on", async (bed) => {
    const [topic, dlq] = [await bed.topic(), await bed.topic()];
    const groupId = bed.name("g");
    await bed.produce(topic, 3, (i) => ({ key: `k${i}`, value: `m-${i}` }));
    const handled: string[] = [];
    await bed.consumer([topic], { groupId, retry: { attempts: 2, initialBackoffMs: 10 }, onFailure: { deadLetterTopic: dlq } }, {
      run: () => ({
        eachMessage: (m) => {
          if (m.value!.toString() === "m-1") throw new Error("poison pill");
          handled.push(m.value!.toString());
        },
      }),
    });
    await bed.waitFor(() => handled.length >= 2, "the two good messages");
    const dead = await bed.consumer([dlq], { groupId: bed.name("dlq") });
    await bed.waitFor(() => dead.received.length >= 1, "the dead letter");
    const [letter] = dead.received;
    expect(valuesOf([letter!])).toEqual(["m-1"]);
    expect(letter!.key).toEqual(Buffer.from("k1"));
    const h = Object.fromEntries(Object.entries(letter!.headers).map(([k, v]) => [k, v.toString()]));
    expect(h).toMatchObject({
      [DEAD_LETTER_HEADERS.topic]: topic,
      [DEAD_LETTER_HEADERS.partition]: "0",
      [DEAD_LETTER_HEADERS.offset]: "1",
      [DEAD_LETTER_HEADERS.errorCode]: "HANDLER_FAILED",
      [DEAD_LETTER_HEADERS.errorCategory]: "HANDLER",
    });
    expect(h[DEAD_LETTER_HEADERS.errorMessage]).toContain("poison pill");
    expect(handled).toEqual(["m-0", "m-2"]);
    await sleep(bed.t(300));
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([{ topic, partition: 0, offset: "3" }]);
  });

  test("a dead-letter topic that cannot be written stops the consumer without committing the message", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 2);
    const errors: string[] = [];
    await bed.consumer([topic], { groupId, retry: { attempts: 1 }, onFailure: { deadLetterTopic: bed.name("missing-dlq") }, onError: (e) => void errors.push(e.code) }, {
      run: () => ({
        eachMessage: (m) => {
          if (m.offset === "0") throw new Error("fails");
        },
      }),
    });
    await bed.waitFor(() => errors.includes("HANDLER_FAILED"), "the failure report");
    await sleep(bed.t(300));
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([]);
  });

  test("a handler attempt longer than handlerTimeoutMs fails with HANDLER_TIMEOUT and its signal aborts", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 1);
    const errors: string[] = [];
    let aborted = 0;
    await bed.consumer([topic], { groupId: bed.name("g"), handlerTimeoutMs: 200, retry: { attempts: 2, initialBackoffMs: 10 }, onFailure: "skip", onError: (e) => void errors.push(e.code) }, {
      run: () => ({
        eachMessage: (_m, { signal }) =>
          new Promise<void>((resolve) => {
            signal.addEventListener("abort", () => (aborted++, resolve()));
          }),
      }),
    });
    await bed.waitFor(() => errors.length >= 1, "the timeout report");
    expect(errors).toEqual(["HANDLER_TIMEOUT"]);
    expect(aborted).toBe(2);
  });

  test("retries back off exponentially", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 1);
    const at: number[] = [];
    await bed.consumer([topic], { groupId: bed.name("g"), retry: { attempts: 4, initialBackoffMs: 100, maxBackoffMs: 2000 }, onFailure: "skip" }, {
      run: () => ({
        eachMessage: () => {
          at.push(Date.now());
          throw new Error("again");
        },
      }),
    });
    await bed.waitFor(() => at.length >= 4, "4 attempts");
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 100, 200, 400 ms with ±20 % jitter.
    expect(gaps[0]).toBeGreaterThanOrEqual(75);
    expect(gaps[1]).toBeGreaterThanOrEqual(155);
    expect(gaps[2]).toBeGreaterThanOrEqual(315);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
  });
});
