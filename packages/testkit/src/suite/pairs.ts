/**
 * Pairs of connectors on one broker: members built on different connectors share one consumer
 * group (so a service moves from one client to another by a rolling deploy), and a trace
 * crosses from a producer on one connector to a consumer on another.
 */
import { SpanKind } from "@opentelemetry/api";
import type { ConsumedMessage } from "@qi/streaming";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { must, sleep, TestBed } from "./bed.js";
import type { ConformanceOptions } from "./options.js";
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
