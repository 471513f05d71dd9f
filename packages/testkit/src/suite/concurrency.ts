/**
 * Concurrency: `run({ concurrency })` by key and by partition on a real stream (order kept per
 * key or per partition, never two handlers of one key at once, the limit held, nothing lost),
 * gap-safe commits under a SIGKILL (a member in a child process, or crashed in process where the
 * cluster lives in this one, never committed past a message it had not finished), the option's
 * validation, and stall detection (a handler that never returns, a partition the client
 * stopped delivering, no false alarm for a slow consumer or a user's pause). What was written and committed is read from the broker (end offsets and the
 * group's committed offsets through the admin), never taken from the client's word.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  createStreamingClient,
  type ConcurrencyConfig,
  type ConsumedMessage,
  type IStreamingAdmin,
  type IStreamingConsumer,
  type QiError,
  type RunConfig,
  type StalledEvent,
  type StreamingClient,
} from "@qi/streaming";
import type { BatchSink, ConsumerDriver, IStreamingConnector } from "@qi/streaming/connector";
import { expect } from "vitest";
import { spawnLineChild } from "../child-lines.js";
import { must, sleep, type TestBed } from "./bed.js";
import { patch, wrapConsumers } from "./driver-patch.js";
import { defineGroup } from "./group.js";

/** The child script ships in the package's `child/` folder: one level up from dist, two from src. */
const CHILD_SCRIPT = [new URL("../child/concurrency-child.mjs", import.meta.url), new URL("../../child/concurrency-child.mjs", import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p))!;

/** Kafka's lowest session timeout by default (group.min.session.timeout.ms): a killed member is dropped this soon. */
const SESSION_TIMEOUT = 6000;

const STALL_CODES = new Set(["HANDLER_STALLED", "FETCH_STALLED", "MEMBERSHIP_LOST"]);

/** Each partition's end offset (the next offset to be written), from the broker. */
async function endOffsets(admin: IStreamingAdmin, topic: string): Promise<Map<number, bigint>> {
  return new Map(must(await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.latest)]));
}

/** A fresh topic of `partitions` holding `count` messages over `keys` keys, checked at the broker, and a fresh group name. */
async function keyedStream(bed: TestBed, partitions: number, count: number, keys: number): Promise<{ topic: string; groupId: string; admin: IStreamingAdmin; ends: Map<number, bigint> }> {
  const topic = await bed.topic(partitions);
  const groupId = bed.name("g");
  await bed.produce(topic, count, (i) => ({ key: `k${i % keys}`, value: String(i) }));
  const admin = await bed.admin();
  const ends = await endOffsets(admin, topic);
  expect(total(ends)).toBe(count);
  return { topic, groupId, admin, ends };
}

/** The group's committed offsets on the topic per partition (0 where it committed nothing), from the broker. */
async function committedOffsets(admin: IStreamingAdmin, groupId: string, topic: string, partitions: Iterable<number>): Promise<Map<number, bigint>> {
  const committed = must(await admin.fetchCommittedOffsets(groupId, topic));
  const out = new Map<number, bigint>();
  for (const p of partitions) {
    const c = committed.find((o) => o.partition === p);
    out.set(p, c && BigInt(c.offset) > 0n ? BigInt(c.offset) : 0n);
  }
  return out;
}

const total = (m: ReadonlyMap<number, bigint>): number => [...m.values()].reduce((a, b) => a + Number(b), 0);
const id = (m: { partition: number; offset: string }): string => `${m.partition}:${m.offset}`;

/** Every `partition:offset` from `from` (0 when not given) up to each partition's end offset. */
function offsetsUpTo(ends: ReadonlyMap<number, bigint>, from?: ReadonlyMap<number, bigint>): string[] {
  const out: string[] = [];
  for (const [p, end] of ends) for (let o = from?.get(p) ?? 0n; o < end; o++) out.push(`${p}:${o}`);
  return out;
}

/** The connector under test, whose consumers never hand `partition`'s batches to core: the client fetches them, core never sees them. */
function swallowing(connector: IStreamingConnector, partition: number): IStreamingConnector {
  return wrapConsumers(connector, (driver) =>
    patch<ConsumerDriver>(driver, {
      start: (sink: BatchSink) => driver.start({ ...sink, deliver: (b) => (b.partition === partition ? Promise.resolve() : sink.deliver(b)) }),
    }),
  );
}

/** A consumer on `client`, connected, subscribed from the beginning and running `run`. */
async function running(client: StreamingClient, topic: string, config: Parameters<StreamingClient["getConsumer"]>[0], run: RunConfig, stalls?: StalledEvent[]): Promise<IStreamingConsumer> {
  const consumer = must(await client.getConsumer(config));
  if (stalls) consumer.on("stalled", (e) => void stalls.push(e));
  must(await consumer.connect());
  must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
  must(await consumer.run(run));
  return consumer;
}

async function unhealthyWith(client: StreamingClient, code: string): Promise<void> {
  const health = must(await client.health());
  expect(health.healthy, `health while ${code}`).toBe(false);
  expect(health.problems.map((p) => p.code)).toContain(code);
  expect(must(await client.isHealthy())).toBe(false);
}

/** By key over `partitions` partitions: what the handler saw, checked as it ran. */
function keyWatch() {
  const inFlightPerKey = new Map<string, number>();
  const lastOfKey = new Map<string, bigint>();
  const handled = new Map<string, number>();
  const stats = { running: 0, most: 0, overlaps: 0, outOfOrder: 0 };
  const handle = async (m: ConsumedMessage, delayMs: number): Promise<void> => {
    const key = m.key!.toString();
    const now = (inFlightPerKey.get(key) ?? 0) + 1;
    inFlightPerKey.set(key, now);
    if (now > 1) stats.overlaps++;
    stats.running++;
    stats.most = Math.max(stats.most, stats.running);
    const offset = BigInt(m.offset);
    const last = lastOfKey.get(key);
    if (last !== undefined && last >= offset) stats.outOfOrder++;
    lastOfKey.set(key, offset);
    await sleep(Math.random() * delayMs);
    stats.running--;
    inFlightPerKey.set(key, inFlightPerKey.get(key)! - 1);
    handled.set(id(m), (handled.get(id(m)) ?? 0) + 1);
  };
  return { handled, stats, handle };
}

/** The crash test's doomed member: its group, its concurrency, and how many messages it finishes before it dies. */
interface DoomedMember {
  readonly topic: string;
  readonly groupId: string;
  readonly concurrency: ConcurrencyConfig;
  readonly until: number;
}

/** The doomed member in a child process, SIGKILLed once it finished `until`: the `partition:offset` of each message it finished. */
async function killedChild(bed: TestBed, doomed: DoomedMember): Promise<ReadonlySet<string>> {
  const { options } = bed;
  const child = spawnLineChild(CHILD_SCRIPT, { module: options.connectorModule, exportName: options.connectorExport, brokers: options.config?.().brokers, topic: doomed.topic, groupId: doomed.groupId, sessionTimeout: SESSION_TIMEOUT, concurrency: doomed.concurrency, maxDelayMs: 20 });
  try {
    await bed.waitFor(() => child.finished.length >= doomed.until, `the child to finish ${doomed.until} messages (stderr: ${child.stderr().slice(0, 500)})`, 60_000);
  } finally {
    child.kill();
    await child.ended;
  }
  return new Set(child.finished);
}

/**
 * The doomed member in this process, run as the child runs it (the same handler, recording each
 * message as it finishes), crashed by `crash` once it finished `until`: what it finished before.
 * A handler still running then finishes unrecorded, as a killed process's never finishes.
 */
async function crashedInProcess(bed: TestBed, admin: IStreamingAdmin, crash: (driver: ConsumerDriver) => Promise<void> | void, doomed: DoomedMember): Promise<ReadonlySet<string>> {
  const drivers: ConsumerDriver[] = [];
  const connector = wrapConsumers(bed.options.connector, (driver) => {
    drivers.push(driver);
    return driver;
  });
  const client = must(createStreamingClient({ ...bed.baseConfig(), connector }));
  try {
    const finished: string[] = [];
    let dead = false;
    const consumer = await running(client, doomed.topic, { groupId: doomed.groupId, sessionTimeout: SESSION_TIMEOUT }, {
      concurrency: doomed.concurrency,
      eachMessage: async (m) => {
        await sleep(Math.random() * 20);
        if (!dead) finished.push(id(m));
      },
    });
    expect(drivers, "consumer drivers of the doomed client").toHaveLength(1);
    await bed.waitFor(() => finished.length >= doomed.until, `the doomed member to finish ${doomed.until} messages`, 60_000);
    dead = true;
    await crash(drivers[0]!);
    // Gone from the group as a killed member is: at once, or once its session timed out.
    await bed.waitFor(async () => must(await admin.describeGroups([doomed.groupId]))[0]!.members.length === 0, "the crashed member to leave the group", SESSION_TIMEOUT * 2);
    // What is left of it goes too: whatever it still tries to commit must be refused.
    void (await consumer.disconnect());
    return new Set(finished);
  } finally {
    void (await client.disconnect());
  }
}

/**
 * `run({ concurrency })`, stall detection; the SIGKILL test needs `network` and `connectorModule`
 * (a child process joins the broker), or `crashConsumer` (a cluster living in this process).
 */
export const concurrencyTests = defineGroup("concurrency", ({ test, caps, options }) => {
  // The crash test's doomed member: a child process SIGKILLed where a broker can be shared with
  // one, else (a cluster in this process) crashed in process by the caller's `crashConsumer`.
  const inChild = caps.network && options.connectorModule !== undefined;
  test("by key (limit 8): order per key kept, never two handlers of one key at once, at most 8 in flight and more than 1, every message handled once, committed up to the end offsets", async (bed) => {
    const PARTITIONS = 6;
    const TOTAL = 5000;
    const LIMIT = 8;
    const { topic, groupId, admin, ends } = await keyedStream(bed, PARTITIONS, TOTAL, 200);
    const { handled, stats, handle } = keyWatch();
    const started = Date.now();
    const { consumer } = await bed.consumer([topic], { groupId }, { run: () => ({ concurrency: { by: "key", limit: LIMIT }, eachMessage: (m) => handle(m, 20) }) });
    await bed.waitFor(() => handled.size >= TOTAL, `${TOTAL} messages handled`, 60_000);
    const ms = Date.now() - started;
    await sleep(bed.t(300)); // a duplicate would show now
    must(await consumer.disconnect());

    expect(stats.overlaps, "handlers of one key running at once").toBe(0);
    expect(stats.outOfOrder, "messages of a key handled out of offset order").toBe(0);
    expect(stats.most).toBeLessThanOrEqual(LIMIT);
    expect(stats.most).toBeGreaterThan(1);
    expect(offsetsUpTo(ends).filter((o) => !handled.has(o)), "offsets below the end offsets never handled").toEqual([]);
    expect([...handled].filter(([, n]) => n > 1), "offsets handled twice").toEqual([]);
    expect(await committedOffsets(admin, groupId, topic, ends.keys())).toEqual(ends);
    bed.report(`concurrency by key, limit ${LIMIT}: ${TOTAL} messages (0-20 ms each) in ${ms} ms, peak in flight ${stats.most}`);
  }, { timeout: 90_000 });

  test("by partition (limit 3): order within a partition kept, at most 3 partitions at once and more than 1, every message handled, committed up to the end offsets", async (bed) => {
    const PARTITIONS = 6;
    const TOTAL = 1200;
    const LIMIT = 3;
    const { topic, groupId, admin, ends } = await keyedStream(bed, PARTITIONS, TOTAL, 60);
    const active = new Map<number, number>();
    const last = new Map<number, bigint>();
    const handled = new Set<string>();
    let most = 0;
    let twiceInOnePartition = 0;
    let outOfOrder = 0;
    const { consumer } = await bed.consumer([topic], { groupId }, {
      run: () => ({
        concurrency: { by: "partition", limit: LIMIT },
        eachMessage: async (m) => {
          const n = (active.get(m.partition) ?? 0) + 1;
          if (n > 1) twiceInOnePartition++;
          active.set(m.partition, n);
          most = Math.max(most, [...active.values()].filter((v) => v > 0).length);
          const offset = BigInt(m.offset);
          if ((last.get(m.partition) ?? -1n) >= offset) outOfOrder++;
          last.set(m.partition, offset);
          await sleep(1 + Math.random() * 4);
          active.set(m.partition, active.get(m.partition)! - 1);
          handled.add(id(m));
        },
      }),
    });
    await bed.waitFor(() => handled.size >= TOTAL, `${TOTAL} messages handled`, 60_000);
    must(await consumer.disconnect());
    expect(twiceInOnePartition, "two handlers of one partition at once").toBe(0);
    expect(outOfOrder, "messages of a partition handled out of offset order").toBe(0);
    expect(most).toBeLessThanOrEqual(LIMIT);
    expect(most).toBeGreaterThan(1);
    expect(offsetsUpTo(ends).filter((o) => !handled.has(o))).toEqual([]);
    expect(await committedOffsets(admin, groupId, topic, ends.keys())).toEqual(ends);
  }, { timeout: 60_000 });

  test("by key, gap-safe commits: a member SIGKILLed mid-stream had committed nothing past a message it had not finished; the survivor handles every unfinished message and none below the committed offsets", async (bed) => {
    const PARTITIONS = 3;
    const TOTAL = 3000;
    const concurrency: ConcurrencyConfig = { by: "key", limit: 8 };
    const { topic, groupId, admin, ends } = await keyedStream(bed, PARTITIONS, TOTAL, 60);

    const doomed = { topic, groupId, concurrency, until: TOTAL / 3 };
    const finished = inChild ? await killedChild(bed, doomed) : await crashedInProcess(bed, admin, options.crashConsumer!, doomed);
    const committed = await committedOffsets(admin, groupId, topic, ends.keys());
    // The doomed member committed as it went (else this proves nothing), and never past a message it had not finished.
    expect(total(committed), "offsets the doomed member committed").toBeGreaterThan(0);
    const gaps = [...committed].flatMap(([p, c]) => offsetsUpTo(new Map([[p, c]])).filter((o) => !finished.has(o)));
    expect(gaps, "offsets below the committed offset the doomed member never finished").toEqual([]);

    const survived = new Map<string, number>();
    const { consumer } = await bed.consumer([topic], { groupId, sessionTimeout: SESSION_TIMEOUT }, {
      run: () => ({
        concurrency,
        eachMessage: async (m) => {
          await sleep(Math.random() * 5);
          survived.set(id(m), (survived.get(id(m)) ?? 0) + 1);
        },
      }),
    });
    const rest = offsetsUpTo(ends, committed);
    await bed.waitFor(() => rest.every((o) => survived.has(o)), "the survivor to handle everything from the committed offsets on", 60_000);
    await sleep(bed.t(300));
    must(await consumer.disconnect());

    const below = [...survived.keys()].filter((o) => {
      const [p, offset] = o.split(":");
      return BigInt(offset!) < committed.get(Number(p))!;
    });
    expect(below, "messages below the committed offset handled again").toEqual([]);
    expect(offsetsUpTo(ends).filter((o) => !finished.has(o) && !survived.has(o)), "messages neither member finished").toEqual([]);
    expect(await committedOffsets(admin, groupId, topic, ends.keys())).toEqual(ends);
    const again = [...finished].filter((o) => survived.has(o)).length;
    bed.report(`concurrency by key, ${inChild ? "SIGKILL of a child process" : "crash in process"}: the doomed member finished ${finished.size} of ${TOTAL}, committed ${total(committed)}; the survivor handled ${survived.size}, ${again} of them finished by the doomed member above its commits`);
  }, { timeout: 150_000, when: inChild || options.crashConsumer !== undefined });

  test("bad concurrency options are VALIDATION naming concurrency.*, returned not thrown, and the consumer runs afterwards", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 1, () => ({ key: "k", value: "after" }));
    const consumer = must(await bed.client().getConsumer({ groupId: bed.name("g") }));
    must(await consumer.connect());
    must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
    const eachMessage = async (): Promise<void> => {};
    const cases: [string, RunConfig][] = [
      ["concurrency.by", { eachBatch: async () => {}, concurrency: { by: "key", limit: 2 } }],
      ["concurrency.limit", { eachMessage, concurrency: { by: "key", limit: 0 } }],
      ["concurrency.limit", { eachMessage, concurrency: { by: "partition", limit: 1e9 } }],
      ["concurrency.limit", { eachMessage, concurrency: { by: "key", limit: "8" as unknown as number } }],
      ["concurrency.maxHeldMessages", { eachMessage, concurrency: { by: "key", limit: 8, maxHeldMessages: 4 } }],
      ["concurrency.maxHeldMessages", { eachMessage, concurrency: { by: "partition", limit: 8, maxHeldMessages: 7 } }],
    ];
    for (const [field, run] of cases) {
      let outcome: { error: QiError } | { threw: unknown } | { ok: true };
      try {
        const r = await consumer.run(run);
        outcome = r.isErr() ? { error: r.error } : { ok: true };
      } catch (threw) {
        outcome = { threw };
      }
      expect(outcome, JSON.stringify(run.concurrency)).toMatchObject({ error: { category: "VALIDATION", context: { field } } });
    }
    const seen: string[] = [];
    must(await consumer.run({ concurrency: { by: "key", limit: 2 }, eachMessage: (m) => void seen.push(m.value!.toString()) }));
    await bed.waitFor(() => seen.length >= 1, "the message after the refused runs");
    expect(seen).toEqual(["after"]);
  });

  test("a handler that never returns is HANDLER_STALLED after handlerMs (onError, the stalled event, client.health()) until it returns", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 3, (i) => ({ key: `k${i}`, value: String(i) }));
    const client = bed.client();
    const errors: { error: QiError; at: number }[] = [];
    const stalls: StalledEvent[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let stuckAt = 0;
    const handled: string[] = [];
    await running(client, topic, { groupId: bed.name("g"), stallDetection: { handlerMs: 500 }, onError: (error) => void errors.push({ error, at: Date.now() }) }, {
      eachMessage: async (m) => {
        if (m.offset === "0") {
          stuckAt = Date.now();
          await gate;
        }
        handled.push(m.offset);
      },
    }, stalls);
    await bed.waitFor(() => errors.some((e) => e.error.code === "HANDLER_STALLED"), "HANDLER_STALLED", 10_000);
    const stall = errors.find((e) => e.error.code === "HANDLER_STALLED")!;
    expect(stall.at - stuckAt, "reported after handlerMs").toBeGreaterThanOrEqual(490);
    expect(stall.at - stuckAt, "reported soon after handlerMs").toBeLessThan(bed.t(3500));
    expect(stall.error).toMatchObject({ category: "HANDLER", code: "HANDLER_STALLED", context: { topic, partition: 0, offset: "0" } });
    await bed.waitFor(() => stalls.length > 0, "the stalled event", 2000);
    expect(stalls[0]).toMatchObject({ error: { code: "HANDLER_STALLED" }, partitions: [{ topic, partition: 0 }] });
    await unhealthyWith(client, "HANDLER_STALLED");
    await sleep(bed.t(300));
    await unhealthyWith(client, "HANDLER_STALLED"); // still stuck: still reported
    expect(handled).toEqual([]);
    release();
    await bed.waitFor(() => handled.length >= 3, "the messages after the stalled one");
    await bed.waitFor(async () => must(await client.isHealthy()), "healthy once the handler returned", 10_000);
    expect(handled).toEqual(["0", "1", "2"]);
  });

  test("by key, one handler that never returns is HANDLER_STALLED for its message while the other keys go on", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 20, (i) => ({ key: i === 0 ? "stuck" : `k${i}`, value: String(i) }));
    const client = bed.client();
    const errors: QiError[] = [];
    const stalls: StalledEvent[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const handled = new Set<string>();
    await running(client, topic, { groupId: bed.name("g"), stallDetection: { handlerMs: 500 }, onError: (e) => void errors.push(e) }, {
      concurrency: { by: "key", limit: 4 },
      eachMessage: async (m, { signal }) => {
        if (m.offset === "0") await Promise.race([gate, new Promise((r) => signal.addEventListener("abort", r))]);
        handled.add(m.offset);
      },
    }, stalls);
    await bed.waitFor(() => handled.size >= 19, "every other key handled", 10_000);
    await bed.waitFor(() => errors.some((e) => e.code === "HANDLER_STALLED"), "HANDLER_STALLED", 10_000);
    expect(errors.filter((e) => e.code === "HANDLER_STALLED").map((e) => e.context.offset)).toEqual(["0"]);
    await bed.waitFor(() => stalls.length > 0, "the stalled event", 2000);
    expect(stalls[0]).toMatchObject({ error: { code: "HANDLER_STALLED", context: { offset: "0" } }, partitions: [{ topic, partition: 0 }] });
    await unhealthyWith(client, "HANDLER_STALLED");
    expect(handled.has("0")).toBe(false);
    release();
    await bed.waitFor(() => handled.has("0"), "the stalled message");
    await bed.waitFor(async () => must(await client.isHealthy()), "healthy once the handler returned", 10_000);
  });

  test("a partition with lag the client never delivers is FETCH_STALLED after fetchMs; the partitions delivered are not", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 10, (i) => ({ value: String(i), partition: i % 2 }));
    const client = must(createStreamingClient({ ...bed.baseConfig(), connector: swallowing(options.connector, 0) }));
    try {
      const errors: { error: QiError; at: number }[] = [];
      const stalls: StalledEvent[] = [];
      const handled: ConsumedMessage[] = [];
      const runAt = Date.now();
      await running(client, topic, { groupId: bed.name("g"), stallDetection: { fetchMs: 1000 }, onError: (error) => void errors.push({ error, at: Date.now() }) }, { eachMessage: (m) => void handled.push(m) }, stalls);
      await bed.waitFor(() => errors.some((e) => e.error.code === "FETCH_STALLED"), "FETCH_STALLED", 15_000);
      const stall = errors.find((e) => e.error.code === "FETCH_STALLED")!;
      expect(stall.at - runAt, "reported after fetchMs").toBeGreaterThanOrEqual(1000);
      expect(stall.error).toMatchObject({ category: "TIMEOUT", code: "FETCH_STALLED", context: { topic, partition: 0 } });
      await bed.waitFor(() => stalls.length > 0, "the stalled event", 2000);
      expect(stalls[0]).toMatchObject({ error: { code: "FETCH_STALLED" }, partitions: [{ topic, partition: 0 }] });
      await unhealthyWith(client, "FETCH_STALLED");
      await bed.waitFor(() => handled.length >= 5, "partition 1's messages");
      expect(handled.every((m) => m.partition === 1)).toBe(true);
      expect(errors.filter((e) => e.error.code === "FETCH_STALLED" && e.error.context.partition !== 0)).toEqual([]);
      expect(stalls.flatMap((s) => s.partitions).filter((tp) => tp.partition !== 0)).toEqual([]);
    } finally {
      void (await client.disconnect());
    }
  });

  test("a healthy slow consumer (50-150 ms a message, lag growing, limits of 1000 ms) is never reported stalled", async (bed) => {
    const topic = await bed.topic(2);
    // More than 3 s of work at the start (about 10 a second per partition), more coming: lag all along.
    await bed.produce(topic, 100, (i) => ({ value: String(i), partition: i % 2 }));
    const client = bed.client();
    const errors: QiError[] = [];
    const stalls: StalledEvent[] = [];
    let handled = 0;
    await running(client, topic, { groupId: bed.name("g"), stallDetection: { handlerMs: 1000, fetchMs: 1000, membershipMs: 1000 }, onError: (e) => void errors.push(e) }, {
      eachMessage: async () => {
        await sleep(50 + Math.random() * 100);
        handled++;
      },
    }, stalls);
    const producer = await bed.producer();
    const unhealthy: string[] = [];
    const until = Date.now() + 3000;
    for (let i = 0; Date.now() < until; i++) {
      must(await producer.send(topic, { value: `more-${i}`, partition: i % 2 }));
      const health = must(await client.health());
      if (!health.healthy) unhealthy.push(health.problems.map((p) => p.code).join(",") || "unreachable");
      await sleep(100);
    }
    expect(errors.filter((e) => STALL_CODES.has(e.code)).map((e) => `${e.code} ${JSON.stringify(e.context)}`)).toEqual([]);
    expect(stalls.map((s) => s.error.code)).toEqual([]);
    expect(unhealthy).toEqual([]);
    expect(must(await client.isHealthy())).toBe(true);
    expect(handled, "messages handled in 3 s").toBeGreaterThan(10);
    // Still behind: the stream outran the handler the whole time.
    const admin = await bed.admin();
    expect(total(await endOffsets(admin, topic))).toBeGreaterThan(handled);
  });

  test("a partition the user paused, with lag, is not FETCH_STALLED; resumed, it is consumed", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 3, (i) => ({ value: `p1-${i}`, partition: 1 }));
    const client = bed.client();
    const errors: QiError[] = [];
    const stalls: StalledEvent[] = [];
    const handled: ConsumedMessage[] = [];
    const consumer = await running(client, topic, { groupId: bed.name("g"), stallDetection: { fetchMs: 1000 }, onError: (e) => void errors.push(e) }, { eachMessage: (m) => void handled.push(m) }, stalls);
    must(await consumer.pause([{ topic, partition: 0 }]));
    await bed.produce(topic, 5, (i) => ({ value: `p0-${i}`, partition: 0 }));
    await bed.waitFor(() => handled.length >= 3, "partition 1's messages");
    await sleep(bed.t(3000));
    expect(handled.filter((m) => m.partition === 0), "a paused partition delivered").toEqual([]);
    expect(errors.filter((e) => STALL_CODES.has(e.code)).map((e) => `${e.code} ${JSON.stringify(e.context)}`)).toEqual([]);
    expect(stalls).toEqual([]);
    expect(must(await client.isHealthy())).toBe(true);
    must(await consumer.resume([{ topic, partition: 0 }]));
    await bed.waitFor(() => handled.filter((m) => m.partition === 0).length >= 5, "partition 0's messages once resumed");
    expect(errors.filter((e) => STALL_CODES.has(e.code))).toEqual([]);
  }, { needs: ["pauseResume"] });
});

