/** Consumer: run() semantics, fromBeginning, handler failures and policies, eachBatch, seek, pause. */
import { expect } from "vitest";
import { eventLoopBusy, must, mustFail, offsetsOf, sleep, valuesOf } from "./bed.js";
import { defineGroup } from "./group.js";

export const consumerTests = defineGroup("consumer", ({ test }) => {
  test("run() resolves once the consumer has joined and owns its assignment", async (bed) => {
    const topic = await bed.topic(3);
    const { consumer } = await bed.consumer([topic], { groupId: bed.name("g") });
    expect(consumer.assignment().map((a) => a.partition).sort()).toEqual([0, 1, 2]);
  });

  test("fromBeginning true reads what was produced before the consumer started", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 3);
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") }, { fromBeginning: true });
    await bed.waitFor(() => received.length >= 3, "3 earlier messages");
    expect(valuesOf(received)).toEqual(["m-0", "m-1", "m-2"]);
  });

  test("fromBeginning false reads only what is produced after the consumer started", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 3, (i) => ({ value: `old-${i}` }));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") }, { fromBeginning: false });
    await sleep(bed.t(1500)); // let the client resolve "latest" before producing the new message
    await bed.produce(topic, 1, () => ({ value: "new" }));
    await bed.waitFor(() => received.length >= 1, "the new message");
    await sleep(bed.t(300));
    expect(valuesOf(received)).toEqual(["new"]);
  });

  test("a failing handler is retried, then the stop policy stops without committing it", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 3);
    const calls: string[] = [];
    const errors: string[] = [];
    await bed.consumer([topic], { groupId, retry: { attempts: 3, initialBackoffMs: 20 }, onFailure: "stop", onError: (e) => void errors.push(e.category) }, {
      run: () => ({
        eachMessage: (m) => {
          calls.push(m.value!.toString());
          if (m.value!.toString() === "m-1") throw new Error("handler bug");
        },
      }),
    });
    await bed.waitFor(() => errors.length >= 1, "the failure report");
    await sleep(bed.t(300));
    expect(calls).toEqual(["m-0", "m-1", "m-1", "m-1"]);
    expect(errors).toEqual(["HANDLER"]);
    const admin = await bed.admin();
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([{ topic, partition: 0, offset: "1" }]);
  });

  test("nothing is committed before its handler succeeded", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    await bed.produce(topic, 3);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let blocked = false;
    const { received } = await bed.consumer([topic], { groupId, maxBatchSize: 10 }, {
      run: (received) => ({
        eachMessage: async (m) => {
          if (m.offset === "1") {
            blocked = true;
            await gate;
          }
          received.push(m);
        },
      }),
    });
    await bed.waitFor(() => blocked, "the handler to block on offset 1");
    await sleep(bed.t(300));
    const admin = await bed.admin();
    const during = must(await admin.fetchCommittedOffsets(groupId, topic));
    expect(during.every((o) => Number(o.offset) <= 1)).toBe(true);
    release();
    await bed.waitFor(() => received.length >= 3, "3 messages");
  });

  test("the skip policy reports the failure and goes on past the message", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 3);
    const errors: string[] = [];
    const { received } = await bed.consumer([topic], { groupId: bed.name("g"), retry: { attempts: 2, initialBackoffMs: 10 }, onFailure: "skip", onError: (e) => void errors.push(e.code) }, {
      run: (received) => ({
        eachMessage: (m) => {
          if (m.value!.toString() === "m-1") throw new Error("poison");
          received.push(m);
        },
      }),
    });
    await bed.waitFor(() => received.length >= 2, "the two good messages");
    expect(valuesOf(received)).toEqual(["m-0", "m-2"]);
    expect(errors).toEqual(["HANDLER_FAILED"]);
  });

  test("a handler returning an err Result counts as a failure", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 1);
    let attempts = 0;
    const errors: string[] = [];
    await bed.consumer([topic], { groupId: bed.name("g"), retry: { attempts: 2, initialBackoffMs: 10 }, onError: (e) => void errors.push(e.category) }, {
      run: () => ({ eachMessage: () => (attempts++, { isErr: () => true, error: new Error("typed failure") }) }),
    });
    await bed.waitFor(() => errors.length >= 1, "the failure report");
    expect(attempts).toBe(2);
  });

  test("eachBatch receives the messages of a partition in offset order", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 40, (i) => ({ value: `v${i}`, partition: i % 2 }));
    const batches: { partition: number; offsets: string[] }[] = [];
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") }, {
      run: (received) => ({
        eachBatch: (b) => {
          batches.push({ partition: b.partition, offsets: b.messages.map((m) => m.offset) });
          received.push(...b.messages);
        },
      }),
    });
    await bed.waitFor(() => received.length >= 40, "40 messages");
    for (const b of batches) expect(b.offsets.map(Number)).toEqual([...b.offsets.map(Number)].sort((x, y) => x - y));
    for (const p of [0, 1]) expect(offsetsOf(received, p)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  }, { needs: ["eachBatch"] });

  test("seek re-reads from the given offset", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 5);
    const { consumer, received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 5, "5 messages");
    must(await consumer.seek(topic, 0, "2"));
    await bed.waitFor(() => received.length >= 8, "3 re-read messages");
    expect(offsetsOf(received)).toEqual(["0", "1", "2", "3", "4", "2", "3", "4"]);
  }, { needs: ["seek"] });

  test("seekToTimestamp re-reads from the first message at or after the time", async (bed) => {
    const topic = await bed.topic();
    const base = Date.now() - 3_600_000;
    const producer = await bed.producer();
    for (let i = 0; i < 5; i++) must(await producer.send(topic, { value: `m-${i}`, timestamp: new Date(base + i * 60_000) }));
    const { consumer, received } = await bed.consumer([topic], { groupId: bed.name("g") });
    await bed.waitFor(() => received.length >= 5, "5 messages");
    expect(must(await consumer.seekToTimestamp(topic, 0, base + 2 * 60_000 + 1))).toBe("3");
    await bed.waitFor(() => received.length >= 7, "2 re-read messages");
    expect(offsetsOf(received)).toEqual(["0", "1", "2", "3", "4", "3", "4"]);
    expect(mustFail(await consumer.seekToTimestamp(topic, 0, Date.now() + 60_000))).toMatchObject({ category: "VALIDATION", context: { field: "timestamp" } });
  }, { needs: ["seek"] });

  test("pausing one partition stops only that partition, and resuming loses nothing", async (bed) => {
    const topic = await bed.topic(2);
    const { consumer, received } = await bed.consumer([topic], { groupId: bed.name("g") });
    must(await consumer.pause([{ topic, partition: 0 }]));
    await bed.produce(topic, 20, (i) => ({ value: `v${i}`, partition: i % 2 }));
    await bed.waitFor(() => offsetsOf(received, 1).length >= 10, "partition 1");
    await sleep(bed.t(500));
    expect(offsetsOf(received, 0)).toEqual([]);
    must(await consumer.resume([{ topic, partition: 0 }]));
    await bed.waitFor(() => offsetsOf(received, 0).length >= 10, "partition 0 after resume");
    expect(offsetsOf(received, 0)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
  }, { needs: ["pauseResume"] });

  test("pausing mid-stream and resuming delivers every message exactly once", async (bed) => {
    const topic = await bed.topic();
    let paused = false;
    const { consumer, received } = await bed.consumer([topic], { groupId: bed.name("g"), maxBatchSize: 10 }, {
      run: (received) => ({
        eachMessage: async (m) => {
          received.push(m);
          if (m.offset === "15" && !paused) {
            paused = true;
            must(await consumer.pause([{ topic, partition: 0 }]));
          }
        },
      }),
    });
    await bed.produce(topic, 100);
    await bed.waitFor(() => paused, "the pause");
    await sleep(bed.t(300));
    const atPause = received.length;
    expect(atPause).toBe(16);
    must(await consumer.resume([{ topic, partition: 0 }]));
    await bed.waitFor(() => received.length >= 100, "100 messages");
    await sleep(bed.t(200));
    expect(offsetsOf(received)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  }, { needs: ["pauseResume"] });

  test("a consumer with every partition paused is idle (its event loop under 30 % busy for 2 s)", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 200, (i) => ({ value: `v${i}`, partition: i % 2 }));
    const { consumer, received } = await bed.consumer([topic], { groupId: bed.name("g") }, { fromBeginning: true });
    must(await consumer.pause([{ topic, partition: 0 }, { topic, partition: 1 }]));
    const before = received.length;
    const busy = await eventLoopBusy(bed.t(2000));
    bed.report(`${bed.options.name ?? bed.options.connector.name}: event loop ${Math.round(busy * 100)} % busy with every partition paused`);
    expect(busy).toBeLessThan(0.3);
    expect(received.length).toBe(before);
    must(await consumer.resume([{ topic, partition: 0 }, { topic, partition: 1 }]));
    await bed.waitFor(() => received.length >= 200, "200 messages after resume");
  }, { needs: ["pauseResume"] });

  test("after the stop policy stopped it, a consumer is idle and handles nothing more", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 50);
    const calls: string[] = [];
    const errors: string[] = [];
    await bed.consumer([topic], { groupId: bed.name("g"), retry: { attempts: 1 }, onFailure: "stop", onError: (e) => void errors.push(e.code) }, {
      fromBeginning: true,
      run: () => ({
        eachMessage: (m) => {
          calls.push(m.value!.toString());
          if (m.value!.toString() === "m-5") throw new Error("handler bug");
        },
      }),
    });
    await bed.waitFor(() => errors.length >= 1, "the failure report");
    await sleep(bed.t(300));
    const busy = await eventLoopBusy(bed.t(2000));
    await bed.produce(topic, 10, (i) => ({ value: `late-${i}` }));
    await sleep(bed.t(1000));
    expect(calls).toEqual(["m-0", "m-1", "m-2", "m-3", "m-4", "m-5"]);
    expect(busy).toBeLessThan(0.3);
  });

  test("run() without a handler, or twice, is an error, never a throw", async (bed) => {
    const topic = await bed.topic();
    const consumer = must(await bed.client().getConsumer({ groupId: bed.name("g") }));
    must(await consumer.connect());
    expect(mustFail(await consumer.run({ eachMessage: () => {} })).category).toBe("STATE");
    must(await consumer.subscribe({ topics: [topic] }));
    expect(mustFail(await consumer.run({} as never)).category).toBe("VALIDATION");
    must(await consumer.run({ eachMessage: () => {} }));
    expect(mustFail(await consumer.run({ eachMessage: () => {} })).category).toBe("STATE");
  });
});
