/**
 * Consumer crash: a consumer in a child process is killed with SIGKILL mid-stream; another
 * member of the group takes over from the last committed offset. Nothing is lost; duplicates
 * stay within the uncommitted window, and the test reports how many.
 */
import { expect } from "vitest";
import { spawnLineChild } from "../child-lines.js";
import { must, sleep } from "../suite/bed.js";
import { defineGroup } from "../suite/group.js";
import { CHILD_SCRIPT } from "./hygiene.js";
import type { ReliabilityOptions } from "./options.js";

const TOTAL = 600;
const SESSION_TIMEOUT = 6000;

/** Consumer crash group: a consumer SIGKILLed in a child process; needs `connectorModule`. */
export const consumerCrashTests = defineGroup<ReliabilityOptions>("consumer crash", ({ test, options }) => {
  test("a member killed mid-stream is replaced from the last commit: nothing lost, duplicates within the uncommitted window", async (bed) => {
    const topic = await bed.topic(2);
    const groupId = bed.name("g");
    await bed.produce(topic, TOTAL, (i) => ({ key: `k${i % 10}`, value: `v${i}` }));
    const job = { kind: "consume", module: options.connectorModule, exportName: options.connectorExport, brokers: options.config?.().brokers, topic, groupId, sessionTimeout: SESSION_TIMEOUT, delayMs: 5 };
    const child = spawnLineChild(CHILD_SCRIPT, job);
    const handledByChild = child.finished;
    await bed.waitFor(() => handledByChild.length >= TOTAL / 3, "the child to handle a third of the stream", 60_000);
    child.kill();
    await child.ended;
    const killedAt = handledByChild.length;

    const admin = await bed.admin();
    const committed = must(await admin.fetchCommittedOffsets(groupId, topic));
    const { received } = await bed.consumer([topic], { groupId, sessionTimeout: SESSION_TIMEOUT });
    const all = (): Set<string> => new Set([...handledByChild, ...received.map((m) => `${m.partition}:${m.offset}`)]);
    await bed.waitFor(() => all().size >= TOTAL, "every message handled by one member or the other", 90_000);
    await sleep(bed.t(500));

    // The survivor starts each partition exactly at the committed offset (or 0 without one).
    for (const p of [0, 1]) {
      const first = received.find((m) => m.partition === p);
      const start = committed.find((c) => c.partition === p)?.offset ?? "0";
      if (first) expect({ partition: p, offset: first.offset }).toEqual({ partition: p, offset: start });
    }
    const childSet = new Set(handledByChild);
    const duplicates = received.filter((m) => childSet.has(`${m.partition}:${m.offset}`)).length;
    const uncommitted = handledByChild.filter((h) => {
      const [p, o] = h.split(":").map(Number);
      const c = Number(committed.find((x) => x.partition === p)?.offset ?? 0);
      return o! >= c;
    }).length;
    expect(all().size).toBe(TOTAL);
    expect(duplicates).toBeLessThanOrEqual(uncommitted);
    bed.report(`consumer crash: child handled ${killedAt} before SIGKILL; ${duplicates} handled again by the survivor (uncommitted window ${uncommitted})`);
  }, { needs: ["network"], timeout: 180_000, when: options.connectorModule !== undefined });
});
