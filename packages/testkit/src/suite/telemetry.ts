/**
 * Telemetry, the same on every connector: OpenTelemetry spans following the messaging semantic
 * conventions, one trace from the send to the handler through the `traceparent` header, and
 * the metrics. Registers in-memory SDK exporters and an AsyncLocalStorage context manager
 * globally in the test worker.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { SpanKind, context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { beforeAll, expect } from "vitest";
import { must } from "./bed.js";
import { defineGroup } from "./group.js";

interface Sdk {
  spans: InMemorySpanExporter;
  reader: PeriodicExportingMetricReader;
}
let sdk: Sdk | undefined;

/** Installs in-memory trace and metric exporters as the global providers (once per process). */
export function installTestTelemetry(): Sdk {
  if (sdk) return sdk;
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 60_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  // What an application with the OpenTelemetry Node SDK has: the active span follows async calls.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return (sdk = { spans, reader });
}

/** The version of the @qi/streaming package under test (its package.json, next to its dist/). */
function streamingVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@qi/streaming");
  return (JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version;
}

/** `server.address` and `server.port` expected from the first bootstrap broker (none without brokers). */
function expectedServer(brokers: readonly string[] | undefined): Record<string, string | number> {
  const first = brokers?.[0];
  if (!first) return {};
  const at = first.lastIndexOf(":");
  return { "server.address": first.slice(0, at).replace(/^\[|\]$/g, ""), "server.port": Number(first.slice(at + 1)) };
}

const spansOf = (s: Sdk, topic: string): ReadableSpan[] => s.spans.getFinishedSpans().filter((x) => x.attributes["messaging.destination.name"] === topic);

/** Sum of a metric's data points whose attributes name the topic. */
async function metricSum(s: Sdk, name: string, topic: string): Promise<number> {
  const { resourceMetrics } = await s.reader.collect();
  let sum = 0;
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        if (point.attributes["messaging.destination.name"] !== topic) continue;
        const v = point.value as number | { count: number };
        sum += typeof v === "number" ? v : v.count;
      }
    }
  }
  return sum;
}

export const telemetryTests = defineGroup("telemetry", ({ test }) => {
  let s: Sdk;
  beforeAll(() => {
    s = installTestTelemetry();
  });

  test("a send and the handling of its message are one trace, carried by the traceparent header", async (bed) => {
    const topic = await bed.topic();
    const groupId = bed.name("g");
    const producer = await bed.producer();
    const sent = must(await producer.send(topic, { key: "k", value: "traced" }));
    const { received } = await bed.consumer([topic], { groupId });
    await bed.waitFor(() => received.length >= 1 && spansOf(s, topic).some((x) => x.kind === SpanKind.CONSUMER), "the process span");
    const send = spansOf(s, topic).find((x) => x.kind === SpanKind.PRODUCER)!;
    const process = spansOf(s, topic).find((x) => x.kind === SpanKind.CONSUMER)!;
    expect(send.name).toBe(`send ${topic}`);
    expect(send.attributes).toMatchObject({ "messaging.system": "kafka", "messaging.operation.type": "send", "messaging.destination.name": topic, "messaging.destination.partition.id": String(sent.partition), "messaging.kafka.offset": Number(sent.offset) });
    expect(process.name).toBe(`process ${topic}`);
    expect(process.attributes).toMatchObject({ "messaging.system": "kafka", "messaging.operation.type": "process", "messaging.consumer.group.name": groupId, "messaging.kafka.offset": Number(sent.offset) });
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(received[0]!.headers.traceparent?.toString()).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);
  });

  test("a span the handler starts is a child of the process span; scope version and server.address/port are set", async (bed) => {
    const topic = await bed.topic();
    const producer = await bed.producer();
    must(await producer.send(topic, { value: "parented" }));
    const { received } = await bed.consumer([topic], { groupId: bed.name("g") }, {
      run: (received) => ({
        eachMessage: async (m) => {
          await new Promise((r) => setTimeout(r, 1)); // across an await, as a real handler would
          const span = trace.getTracer("the-application").startSpan(`handle ${topic}`);
          span.setAttribute("messaging.destination.name", topic);
          span.end();
          received.push(m);
        },
      }),
    });
    await bed.waitFor(() => received.length >= 1 && spansOf(s, topic).some((x) => x.kind === SpanKind.CONSUMER), "the handler's span and the process span");
    const process = spansOf(s, topic).find((x) => x.kind === SpanKind.CONSUMER)!;
    const send = spansOf(s, topic).find((x) => x.kind === SpanKind.PRODUCER)!;
    const handled = spansOf(s, topic).find((x) => x.name === `handle ${topic}`)!;
    expect(handled, "the handler's span").toBeDefined();
    expect(handled.spanContext().traceId).toBe(process.spanContext().traceId);
    expect(handled.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    const version = streamingVersion();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const span of [send, process]) {
      expect(span.instrumentationScope).toMatchObject({ name: "@qi/streaming", version });
      const server = expectedServer(bed.baseConfig().brokers);
      if (Object.keys(server).length > 0) expect(span.attributes).toMatchObject(server);
      else expect(span.attributes["server.address"]).toBeUndefined();
    }
  });

  test("metrics count sent and consumed messages, handler durations and errors by category", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 5);
    const handled: string[] = [];
    await bed.consumer([topic], { groupId: bed.name("g"), retry: { attempts: 1 }, onFailure: "skip" }, {
      run: () => ({
        eachMessage: (m) => {
          if (m.offset === "2") throw new Error("counted");
          handled.push(m.offset);
        },
      }),
    });
    await bed.waitFor(() => handled.length >= 4, "4 handled messages");
    expect(await metricSum(s, "messaging.client.sent.messages", topic)).toBe(5);
    expect(await metricSum(s, "messaging.client.consumed.messages", topic)).toBe(4);
    expect(await metricSum(s, "messaging.process.duration", topic)).toBe(5);
    expect(await metricSum(s, "qi.streaming.errors", topic)).toBe(1);
  });

  test("the lag gauge shows the messages behind the partition's end, and 0 once all are handled", async (bed) => {
    const topic = await bed.topic();
    await bed.produce(topic, 10);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    await bed.consumer([topic], { groupId: bed.name("g") }, {
      run: () => ({
        eachMessage: async (m) => {
          if (m.offset === "0") await gate;
          handled.push(m.offset);
        },
      }),
    });
    // Handling offset 0 of 10: 9 behind it.
    try {
      await bed.waitFor(async () => (await metricSum(s, "messaging.kafka.consumer.lag", topic)) === 9, "a lag of 9 while offset 0 is handled");
    } finally {
      release(); // a failed wait must not leave the handler blocking the consumer's shutdown
    }
    await bed.waitFor(() => handled.length >= 10, "10 handled messages");
    expect(await metricSum(s, "messaging.kafka.consumer.lag", topic)).toBe(0);
  });

  test("a failed send is an errored span and counts as an error", async (bed) => {
    const producer = await bed.producer();
    const topic = bed.name("missing");
    expect((await producer.send(topic, { value: "x" })).isErr()).toBe(true);
    const span = spansOf(s, topic)[0]!;
    expect(span.status.code).toBe(2);
    expect(span.attributes["qi.streaming.error.category"]).toBe("NOT_FOUND");
    expect(await metricSum(s, "qi.streaming.errors", topic)).toBe(1);
  });
});
