// The fetch loop over a fake platformatic Consumer whose fetch answers are built like
// platformatic's (topics by id, record batches with deltas): decoding into ConsumedMessages,
// whole batches handed to core, prefetching, staleness after a seek, pause and revocation, and
// the out-of-range reset. No broker needed.
import type { ConsumedBatch, TopicPartition } from "@qi/streaming";
import type { BatchSink } from "@qi/streaming/connector";
import type { RecordsBatch } from "@platformatic/kafka";
import { afterEach, describe, expect, test, vi } from "vitest";
import { decodeBatches, Fetcher, type FetchResponse } from "../../src/fetching.js";
import { Membership } from "../../src/membership.js";
import { Positions } from "../../src/positions.js";
import { resolve } from "./resolve.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CONTROL = 0x20;
const TRANSACTIONAL = 0x10;
const LOG_APPEND_TIME = 0x08;

/** A record batch as platformatic decodes it. */
function batch(firstOffset: bigint, records: { delta: number; value: string | null; key?: string; headers?: [string, string][]; ts?: bigint }[], attributes = 0, lastOffsetDelta?: number): RecordsBatch {
  return {
    firstOffset,
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes,
    lastOffsetDelta: lastOffsetDelta ?? Math.max(0, ...records.map((r) => r.delta)),
    firstTimestamp: 1_700_000_000_000n,
    maxTimestamp: 1_700_000_009_999n,
    producerId: -1n,
    producerEpoch: -1,
    firstSequence: -1,
    records: records.map((r) => ({
      length: 0,
      attributes: 0,
      timestampDelta: r.ts ?? BigInt(r.delta),
      offsetDelta: r.delta,
      key: r.key === undefined ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: (r.headers ?? []).map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as [Buffer, Buffer]),
    })),
  };
}

/** A fetch answer for topic "a" (id "id-a"). */
function response(partitions: { partition: number; batches?: RecordsBatch[]; errorCode?: number; logStart?: bigint; hw?: bigint }[]): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topicId: "id-a",
        partitions: partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: p.errorCode ?? 0,
          highWatermark: p.hw ?? 100n,
          lastStableOffset: p.hw ?? 100n,
          logStartOffset: p.logStart ?? 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: p.batches ?? null,
        })),
      },
    ],
  };
}

describe("decoding", () => {
  test("records from the requested offset on; control batches skipped but counted; LOG_APPEND_TIME", () => {
    const answer = response([
      {
        partition: 0,
        batches: [
          // Starts before the requested offset 11 (a batch is fetched whole).
          batch(10n, [{ delta: 0, value: "old" }, { delta: 1, value: "v11", key: "k", headers: [["h", "x"], ["h2", "y"]], ts: 5n }, { delta: 2, value: null }]),
          batch(13n, [{ delta: 0, value: "" }], CONTROL),
          batch(14n, [{ delta: 0, value: "v14" }, { delta: 3, value: "v17" }], LOG_APPEND_TIME, 3),
        ],
      },
    ]);
    const p = answer.responses[0]!.partitions[0]!;
    const { messages, next } = decodeBatches("a", p.partitionIndex, p.records!, 11n);
    expect(next).toBe(18n);
    expect(messages.map((m) => m.offset)).toEqual(["11", "12", "14", "17"]);
    expect(messages[0]).toEqual({
      topic: "a",
      partition: 0,
      offset: "11",
      key: Buffer.from("k"),
      value: Buffer.from("v11"),
      headers: { h: Buffer.from("x"), h2: Buffer.from("y") },
      timestamp: new Date(1_700_000_000_005),
    });
    expect(messages[1]).toMatchObject({ key: null, value: null, headers: {} });
    expect(messages[2]!.timestamp).toEqual(new Date(1_700_000_009_999));
  });

  test("a control batch alone moves the position and yields nothing", () => {
    expect(decodeBatches("a", 0, [batch(5n, [{ delta: 0, value: "" }], CONTROL)], 5n)).toEqual({ messages: [], next: 6n, bytes: 12 });
  });
});

describe("aborted transactions (read_committed)", () => {
  /** A transactional batch of producer `pid` with one record. */
  const tx = (offset: bigint, pid: bigint, value: string): RecordsBatch => ({ ...batch(offset, [{ delta: 0, value }], TRANSACTIONAL), producerId: pid });
  /** A transaction marker of producer `pid`: its record's key is version 0 and type 0 (abort) or 1 (commit). */
  const marker = (offset: bigint, pid: bigint, type: 0 | 1): RecordsBatch => {
    const b = { ...batch(offset, [{ delta: 0, value: "" }], CONTROL | TRANSACTIONAL), producerId: pid };
    const key = Buffer.alloc(4);
    key.writeInt16BE(type, 2);
    b.records[0]!.key = key;
    return b;
  };
  const values = (r: ReturnType<typeof decodeBatches>) => r.messages.map((m) => m.value?.toString());

  test("one producer's aborted transactions in one response are all dropped; its committed one and others' records kept", () => {
    // Producer 7: aborted 0-1, committed 3-4, aborted 6-7. Producer 9 (committed) interleaved.
    const batches = [tx(0n, 7n, "a1"), tx(1n, 9n, "other"), marker(2n, 7n, 0), tx(3n, 7n, "c1"), marker(4n, 7n, 1), tx(5n, 7n, "a2"), tx(6n, 7n, "a2'"), marker(7n, 7n, 0), marker(8n, 9n, 1), batch(9n, [{ delta: 0, value: "plain" }])];
    const aborted = [
      { producerId: 7n, firstOffset: 5n },
      { producerId: 7n, firstOffset: 0n },
    ];
    const r = decodeBatches("a", 0, batches, 0n, aborted);
    expect(values(r)).toEqual(["other", "c1", "plain"]);
    expect(r.next).toBe(10n);
  });

  test("an aborted transaction whose marker is not in the response yet is still dropped", () => {
    // A response cut by maxBytes: the abort marker comes with the next fetch.
    const r = decodeBatches("a", 0, [tx(10n, 7n, "a1"), tx(11n, 7n, "a1'")], 10n, [{ producerId: 7n, firstOffset: 10n }]);
    expect(values(r)).toEqual([]);
    expect(r.next).toBe(12n);
    // The next fetch starts inside it: the broker names the transaction again.
    expect(values(decodeBatches("a", 0, [tx(12n, 7n, "a1''"), marker(13n, 7n, 0), tx(14n, 7n, "c")], 12n, [{ producerId: 7n, firstOffset: 10n }]))).toEqual(["c"]);
  });

  test("without aborted transactions (read_uncommitted) every data batch is delivered", () => {
    const batches = [tx(0n, 7n, "a1"), marker(1n, 7n, 0), tx(2n, 7n, "c1")];
    expect(values(decodeBatches("a", 0, batches, 0n, null))).toEqual(["a1", "c1"]);
    expect(values(decodeBatches("a", 0, batches, 0n))).toEqual(["a1", "c1"]);
  });
});

/** A fake Consumer: topic "a" with partitions 0 and 1 on node 1, everything committed at `committed`. */
function fakeConsumer(committed = 0n) {
  const answers: (FetchResponse | Error)[] = [];
  const requests: { node: number; partitions: { partition: number; fetchOffset: bigint }[] }[] = [];
  const consumer = {
    async metadata() {
      return { topics: new Map([["a", { id: "id-a", partitions: [{ leader: 1 }, { leader: 1 }] }]]) };
    },
    clearMetadata() {},
    async fetch(req: { node: number; topics: { partitions: { partition: number; fetchOffset: bigint }[] }[] }) {
      requests.push({ node: req.node, partitions: req.topics.flatMap((t) => t.partitions.map(({ partition, fetchOffset }) => ({ partition, fetchOffset }))) });
      const next = answers.shift();
      if (next instanceof Error) throw next;
      if (next) return next;
      await sleep(10);
      return response([]);
    },
    async listCommittedOffsets({ topics }: { topics: { topic: string; partitions: number[] }[] }) {
      return new Map(topics.map((t) => [t.topic, t.partitions.map(() => committed)]));
    },
    async listOffsets() {
      return new Map<string, bigint[]>();
    },
  };
  return { consumer, answers, requests };
}

/** Core's sink: each delivery waits until released. */
function fakeSink() {
  const delivered: ConsumedBatch[] = [];
  const releases: (() => void)[] = [];
  const errors: unknown[] = [];
  const crashes: unknown[] = [];
  const sink: BatchSink = {
    deliver: (b) => {
      delivered.push(b);
      return new Promise<void>((r) => releases.push(r));
    },
    revoked: async () => {},
    error: (e) => void errors.push(e),
    assigned: () => {},
    crashed: (e) => void crashes.push(e),
  };
  return { sink, delivered, errors, crashes, release: () => releases.shift()?.() };
}

const running: Fetcher[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop();
});

async function setUp(partitions: number[] = [0]) {
  const { context, consumer: cc } = await resolve();
  const fake = fakeConsumer();
  const k = fakeSink();
  let fetcher: Fetcher | undefined;
  const positions = new Positions(() => fake.consumer, k.sink.error, () => fetcher?.wake());
  const membership = new Membership(positions, () => k.sink);
  membership.joined({ groupId: "g", memberId: "m", generationId: 1, assignments: [{ topic: "a", partitions }] });
  await positions.ready;
  const start = () => {
    fetcher = new Fetcher({ consumer: fake.consumer as never, sink: k.sink, positions, membership, topics: ["a"], settings: { maxWaitTime: 10, maxBufferedBytes: 1_000_000, maxBytes: 1_000_000, maxBytesPerPartition: 1000 }, config: context.config, groupId: cc.groupId, crashed: k.sink.crashed });
    running.push(fetcher);
    return fetcher;
  };
  return { ...fake, ...k, positions, membership, start };
}

const values = (b: ConsumedBatch | undefined) => b?.messages.map((m) => m.value?.toString());
const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

describe("the fetch loop", () => {
  test("a fetched batch goes to core whole, with the high watermark; the next one waits for it", async () => {
    const t = await setUp();
    const many = Array.from({ length: 700 }, (_, i) => ({ delta: i, value: `m${i}` }));
    t.answers.push(response([{ partition: 0, batches: [batch(0n, many)], hw: 900n }]), response([{ partition: 0, batches: [batch(700n, [{ delta: 0, value: "next" }])] }]));
    t.start();
    await vi.waitFor(() => expect(t.delivered).toHaveLength(1));
    expect(t.delivered[0]).toMatchObject({ topic: "a", partition: 0, highWatermark: "900" });
    expect(t.delivered[0]!.messages).toHaveLength(700);
    // The second answer is prefetched, not delivered, while the first delivery runs.
    await vi.waitFor(() => expect(t.positions.get("a", 0)?.prefetched).toBeDefined());
    expect(t.delivered).toHaveLength(1);
    expect(t.requests.map((r) => r.partitions)).toEqual([[{ partition: 0, fetchOffset: 0n }], [{ partition: 0, fetchOffset: 700n }]]);
    t.release();
    await vi.waitFor(() => expect(values(t.delivered[1])).toEqual(["next"]));
  });

  test("a paused partition is not fetched; a queued batch of it is fetched again after a resume", async () => {
    const t = await setUp([0, 1]);
    t.answers.push(response([{ partition: 0, batches: [batch(0n, [{ delta: 0, value: "a" }])] }]), response([{ partition: 0, batches: [batch(1n, [{ delta: 0, value: "b" }])] }]));
    t.start();
    await vi.waitFor(() => expect(t.positions.get("a", 0)?.prefetched).toBeDefined());
    t.positions.state(tp("a", 0)).paused = true;
    t.release();
    await vi.waitFor(() => expect(t.positions.get("a", 0)).toMatchObject({ position: 1n, prefetched: undefined }));
    const before = t.requests.length;
    await sleep(50);
    expect(t.requests.slice(before).every((r) => r.partitions.every((p) => p.partition === 1))).toBe(true);
    expect(t.delivered).toHaveLength(1);
  });

  test("data fetched before a seek is dropped; the next request starts at the seek", async () => {
    const t = await setUp();
    let answer!: (r: FetchResponse) => void;
    const slow = t.consumer.fetch;
    t.consumer.fetch = async (req) => {
      t.consumer.fetch = slow;
      t.requests.push({ node: req.node, partitions: req.topics.flatMap((x) => x.partitions.map(({ partition, fetchOffset }) => ({ partition, fetchOffset }))) });
      return new Promise<FetchResponse>((r) => (answer = r));
    };
    const f = t.start();
    await vi.waitFor(() => expect(t.requests).toHaveLength(1));
    t.positions.seek(tp("a", 0), "50", true);
    f.wake();
    answer(response([{ partition: 0, batches: [batch(0n, [{ delta: 0, value: "stale" }])] }]));
    await vi.waitFor(() => expect(t.requests.length).toBeGreaterThan(1));
    expect(t.requests[1]!.partitions).toEqual([{ partition: 0, fetchOffset: 50n }]);
    expect(t.delivered).toEqual([]);
  });

  test("once revoking, nothing new is delivered and a queued batch is given back", async () => {
    const t = await setUp();
    t.answers.push(response([{ partition: 0, batches: [batch(0n, [{ delta: 0, value: "a" }])] }]), response([{ partition: 0, batches: [batch(1n, [{ delta: 0, value: "b" }])] }]));
    t.start();
    await vi.waitFor(() => expect(t.positions.get("a", 0)?.prefetched).toBeDefined());
    const hook = t.membership.beforeJoin();
    t.release();
    await hook;
    await sleep(20);
    expect(t.delivered).toHaveLength(1);
    expect(t.positions.get("a", 0)).toMatchObject({ position: 1n, prefetched: undefined });
  });

  test("OFFSET_OUT_OF_RANGE restarts at the log end (the log start with fromBeginning), quietly", async () => {
    const t = await setUp();
    t.answers.push(Object.assign(new Error("fetch failed"), { response: response([{ partition: 0, errorCode: 1, logStart: 30n, hw: 60n }]) }));
    t.start();
    await vi.waitFor(() => expect(t.requests.length).toBeGreaterThan(1));
    expect(t.requests[1]!.partitions).toEqual([{ partition: 0, fetchOffset: 60n }]);
    expect(t.errors).toEqual([]);
  });

  test("stop ends the loop without waiting for deliveries", async () => {
    const t = await setUp();
    t.answers.push(response([{ partition: 0, batches: [batch(0n, [{ delta: 0, value: "a" }])] }]));
    const f = t.start();
    await vi.waitFor(() => expect(t.delivered).toHaveLength(1));
    running.splice(0);
    await f.stop();
    const after = t.requests.length;
    await sleep(30);
    expect(t.requests.length).toBe(after);
  });

  test("a failed fetch is reported and retried: an error, never a crash", async () => {
    const t = await setUp();
    t.answers.push(new Error("not a leader any more"), response([{ partition: 0, batches: [batch(0n, [{ delta: 0, value: "a" }])] }]));
    t.start();
    await vi.waitFor(() => expect(t.delivered).toHaveLength(1), { timeout: 5000 });
    expect(t.errors).toHaveLength(1);
    expect(t.crashes).toEqual([]);
  });

  test("the loop ending on an error of its own is a crash: reported once, nothing fetched after", async () => {
    const t = await setUp();
    const f = t.start();
    await vi.waitFor(() => expect(t.requests.length).toBeGreaterThan(0));
    const bug = new Error("a bug in the loop");
    Object.defineProperty(t.membership, "owned", {
      get() {
        throw bug;
      },
    });
    f.wake();
    await vi.waitFor(() => expect(t.crashes).toEqual([bug]));
    const after = t.requests.length;
    await sleep(50);
    expect(t.requests.length).toBe(after);
    expect(t.errors).toEqual([]);
  });
});
