/**
 * Pairs of connectors on one broker: members built on different connectors share one consumer
 * group (so a service moves from one client to another by a rolling deploy), an exactly-once
 * processor moves from one client to another keeping exactly-once, and a trace crosses from a
 * producer on one connector to a consumer on another.
 */
import { SpanKind } from "@opentelemetry/api";
import type { ConsumedMessage } from "@qi/streaming";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { must, sleep, TestBed } from "./bed.js";
import { capabilitiesOf, type ConformanceOptions } from "./options.js";
import { installTestTelemetry } from "./telemetry.js";

const ids = (ms: readonly ConsumedMessage[]): string[] => ms.map((m) => `${m.partition}/${m.offset}`);

/** Every ordered pair of the given connectors: a rolling move and a cross-connector trace. */
export function runPairsSuite(connectors: readonly ConformanceOptions[], timeoutMultiplier = 1): void {
  const name = (o: ConformanceOptions): string => o.name ?? o.connector.name;
  const pairs = connectors.flatMap((a) => connectors.filter((b) => b !== a).map((b) => [a, b] as const));
  describe("conformance: pairs", () => {
    const beds: TestBed[] = [];
    const bed = (o: ConformanceOptions): TestBed => {
      const b = new TestBed({ ...o, timeoutMultiplier });
      beds.push(b);
      return b;
    };
    afterEach(async () => {
      await Promise.all(beds.splice(0).map((b) => b.cleanup()));
    });

    describe("migration", () => {
      for (const [from, to] of pairs) {
        it(`${name(from)} → ${name(to)}: members of both share one group during a rolling move, nothing lost`, async () => {
          const [a, b] = [bed(from), bed(to)];
          const topic = await a.topic(4);
          const groupId = a.name("move");
          await a.produce(topic, 100, (i) => ({ key: `k${i}`, value: `v${i}` }));
          const old = await a.consumer([topic], { groupId });
          await a.waitFor(() => old.received.length >= 100, "the old member to read the first 100");
          const next = await b.consumer([topic], { groupId });
          await b.waitFor(
            () => next.consumer.assignment().length > 0 && old.consumer.assignment().length > 0 && old.consumer.assignment().length + next.consumer.assignment().length === 4,
            "the partitions split between the old and the new member",
            30_000,
          );
          await b.produce(topic, 100, (i) => ({ key: `k${i}`, value: `w${i}` }));
          await b.waitFor(() => new Set([...ids(old.received), ...ids(next.received)]).size >= 200, "200 messages over both members");
          must(await old.consumer.disconnect());
          await b.waitFor(() => next.consumer.assignment().length === 4, "every partition on the new member", 30_000);
          await b.produce(topic, 100, (i) => ({ key: `k${i}`, value: `x${i}` }));
          await b.waitFor(() => new Set([...ids(old.received), ...ids(next.received)]).size >= 300, "300 messages in all");
          await sleep(300);
          const all = [...ids(old.received), ...ids(next.received)];
          expect(new Set(all).size).toBe(300);
          const duplicates = all.length - 300;
          expect(duplicates).toBe(0);
        }, 120_000 * timeoutMultiplier);
      }
    });

    describe("exactly-once move", () => {
      for (const [from, to] of pairs) {
        const both = capabilitiesOf(from).transactions && capabilitiesOf(to).transactions;
        it.skipIf(!both)(`${name(from)} → ${name(to)}: an exactly-once processor moved by a rolling restart (same transactionalId, same group) writes every input once, in order per key`, async () => {
          const [a, b] = [bed(from), bed(to)];
          const input = await a.topic(4);
          const output = await a.topic(4);
          const groupId = a.name("eos-move");
          const transactionalId = a.name("eos-id");
          const KEYS = 20;
          await a.produce(input, 200, (i) => ({ key: `k${i % KEYS}`, value: String(i) }));
          // What the broker holds for read_committed readers: the only count the test trusts.
          const out = await b.consumer([output], { groupId: b.name("rc"), isolationLevel: "read_committed" });
          const processor = async (t: TestBed) => {
            const client = t.client();
            const producer = must(await client.getProducer({ transactionalId }));
            must(await producer.connect());
            return t.consumer([input], { groupId, maxBatchSize: 10 }, {
              client,
              run: () => ({
                exactlyOnce: { producer },
                eachMessage: async (m: ConsumedMessage, { transaction }) => {
                  must(await transaction!.send(output, { key: m.key, value: `out-${m.value!.toString("utf8")}` }));
                  await sleep(2);
                },
              }),
            });
          };
          const old = await processor(a);
          await a.waitFor(() => out.received.length >= 60, "the first processor's committed output", 60_000);
          // Mid-stream: the slice in progress aborts (its output never visible), its offsets stay uncommitted.
          must(await old.consumer.disconnect());
          const movedAt = out.received.length;
          await processor(b);
          await b.produce(input, 100, (i) => ({ key: `k${i % KEYS}`, value: String(200 + i) }));
          await b.waitFor(() => out.received.length >= 300, "300 outputs read_committed", 90_000);
          await sleep(1000);
          const values = out.received.map((m) => m.value!.toString("utf8"));
          expect(new Set(values).size).toBe(300);
          expect(values.length).toBe(300);
          expect([...values].sort()).toEqual(Array.from({ length: 300 }, (_, i) => `out-${i}`).sort());
          const perKey = new Map<string, number[]>();
          for (const m of out.received) perKey.set(m.key!.toString("utf8"), [...(perKey.get(m.key!.toString("utf8")) ?? []), Number(m.value!.toString("utf8").slice(4))]);
          for (const [key, seq] of perKey) expect({ key, seq }).toEqual({ key, seq: [...seq].sort((x, y) => x - y) });
          a.report(`exactly-once move ${name(from)} → ${name(to)}: ${movedAt} outputs before the move, 300 after, 0 duplicates`);
        }, 180_000 * timeoutMultiplier);
      }
    });

    describe("telemetry", () => {
      beforeAll(() => void installTestTelemetry());
      for (const [from, to] of pairs) {
        it(`${name(from)} → ${name(to)}: one trace from the send to the handler`, async () => {
          const sdk = installTestTelemetry();
          const [a, b] = [bed(from), bed(to)];
          const topic = await a.topic();
          const producer = await a.producer();
          must(await producer.send(topic, { key: "k", value: "traced" }));
          const { received } = await b.consumer([topic], { groupId: b.name("g") });
          const spans = () => sdk.spans.getFinishedSpans().filter((s) => s.attributes["messaging.destination.name"] === topic);
          await b.waitFor(() => received.length >= 1 && spans().some((s) => s.kind === SpanKind.CONSUMER), "the process span");
          const send = spans().find((s) => s.kind === SpanKind.PRODUCER)!;
          const process = spans().find((s) => s.kind === SpanKind.CONSUMER)!;
          expect(send.attributes["qi.streaming.connector"]).toBe(from.connector.name);
          expect(process.attributes["qi.streaming.connector"]).toBe(to.connector.name);
          expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
          expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
        }, 60_000 * timeoutMultiplier);
      }
    });
  });
}
