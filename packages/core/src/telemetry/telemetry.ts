/**
 * Tracing and metrics, once in core and identical for every connector, following the
 * OpenTelemetry messaging semantic conventions: a PRODUCER span per send (or batch), a CONSUMER
 * span per message handled (per batch for `eachBatch`, linked to each message's producer), the
 * trace context carried in the W3C `traceparent` header, and counters, a duration histogram and
 * a lag gauge.
 */
import type { QiError } from "../errors/qi-error.js";
import type { ConsumedMessage, OutgoingRecord, ProduceResult } from "../messages/types.js";
import { loadOtelApi, packageVersion, type OtelApi, type OtelSpan } from "./otel-api.js";

const TRACEPARENT = "traceparent";
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
type Attributes = Record<string, string | number>;

/** Who the telemetry is for: attributes put on every span and metric. */
export interface TelemetryScope {
  /** The connector name (`messaging.client` attributes). */
  readonly connector: string;
  /** The client id (`messaging.client.id`). */
  readonly clientId: string;
  /** The bootstrap brokers: the first gives `server.address` and `server.port`. */
  readonly brokers?: readonly string[];
}

/** The end of a process span; `within` runs the handler in the span's context. */
export interface ProcessSpan {
  (error?: QiError): void;
  /** Runs `fn` with the process span active, so spans the handler starts are its children. */
  within<T>(fn: () => T): T;
}

/**
 * `server.address` and `server.port` of a broker address (`host:port`, `[v6]:port`, or a host
 * alone, Kafka's port 9092 then), or none for an empty list (the memory connector).
 */
export function serverAttributes(brokers: readonly string[] | undefined): Attributes {
  const first = brokers?.[0]?.trim();
  if (!first) return {};
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(first) ?? /^([^:]+)(?::(\d+))?$/.exec(first);
  if (!m) return { "server.address": first };
  return { "server.address": m[1]!, "server.port": m[2] === undefined ? 9092 : Number(m[2]) };
}

/** The parent context carried by a consumed message, if any. */
function remoteContext(api: OtelApi, message: ConsumedMessage): unknown {
  const h = message.headers[TRACEPARENT];
  const m = W3C.exec((Array.isArray(h) ? h[0] : h)?.toString("latin1") ?? "");
  if (!m) return undefined;
  return api.trace.setSpanContext(api.context.active(), { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true });
}

/**
 * OpenTelemetry spans and metrics for one client; used by core's guarded producer and consumer.
 * Connectors do not call it.
 */
export class Telemetry {
  private readonly tracer;
  private readonly sent;
  private readonly consumed;
  private readonly errors;
  private readonly events;
  private readonly duration;
  private readonly server: Attributes;
  private readonly lag = new Map<string, { value: number; attributes: Attributes }>();

  private constructor(
    private readonly api: OtelApi,
    private readonly scope: TelemetryScope,
  ) {
    const version = packageVersion();
    this.tracer = api.trace.getTracer("@qi/streaming", version);
    const meter = api.metrics.getMeter("@qi/streaming", version);
    this.server = serverAttributes(scope.brokers);
    this.sent = meter.createCounter("messaging.client.sent.messages", { description: "Messages the broker acknowledged", unit: "{message}" });
    this.consumed = meter.createCounter("messaging.client.consumed.messages", { description: "Messages handed to a handler", unit: "{message}" });
    this.errors = meter.createCounter("qi.streaming.errors", { description: "Failed operations, by error category", unit: "{error}" });
    this.events = meter.createCounter("qi.streaming.consumer.events", { description: "Consumer rebalance and lifecycle events, by name", unit: "{event}" });
    this.duration = meter.createHistogram("messaging.process.duration", { description: "Handler duration, all attempts", unit: "s" });
    meter.createObservableGauge("messaging.kafka.consumer.lag", { description: "Messages behind the partition's end", unit: "{message}" }).addCallback((r) => {
      for (const { value, attributes } of this.lag.values()) r.observe(value, attributes);
    });
  }

  /** Telemetry for a client, or undefined when off or when `@opentelemetry/api` is absent. */
  static create(scope: TelemetryScope, enabled: boolean): Telemetry | undefined {
    const api = enabled ? loadOtelApi() : undefined;
    return api ? new Telemetry(api, scope) : undefined;
  }

  private base(topic: string): Attributes {
    return { "messaging.system": "kafka", "messaging.destination.name": topic, "messaging.client.id": this.scope.clientId, "qi.streaming.connector": this.scope.connector };
  }

  /** Starts a send span and puts its `traceparent` on each record (records are core's copies). */
  startSend(records: OutgoingRecord[]): (outcome: { results?: readonly ProduceResult[]; error?: QiError }) => void {
    const topic = records[0]?.topic ?? "";
    const attributes: Attributes = { ...this.base(topic), ...this.server, "messaging.operation.name": "send", "messaging.operation.type": "send" };
    if (records.length > 1) attributes["messaging.batch.message_count"] = records.length;
    const span = this.tracer.startSpan(`send ${topic}`, { kind: this.api.SpanKind.PRODUCER, attributes });
    if (span.isRecording()) {
      const { traceId, spanId, traceFlags } = span.spanContext();
      const header = Buffer.from(`00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`, "latin1");
      for (const r of records) r.headers[TRACEPARENT] = header;
    }
    return ({ results, error }) => {
      if (error) this.fail(span, error, topic, "send");
      else {
        const first = results?.[0];
        if (first && records.length === 1) {
          span.setAttribute("messaging.destination.partition.id", String(first.partition));
          span.setAttribute("messaging.kafka.offset", Number(first.offset));
        }
        for (const r of results ?? []) this.sent.add(1, { ...this.base(r.topic), "messaging.operation.name": "send" });
      }
      span.end();
    };
  }

  /** Starts a process span for handled messages (one, or a batch linked to each producer). */
  startProcess(messages: readonly ConsumedMessage[], groupId: string, highWatermark?: string): ProcessSpan {
    const first = messages[0]!;
    const attributes: Attributes = {
      ...this.base(first.topic),
      ...this.server,
      "messaging.operation.name": "process",
      "messaging.operation.type": "process",
      "messaging.consumer.group.name": groupId,
      "messaging.destination.partition.id": String(first.partition),
    };
    let parent: unknown;
    let links: { context: unknown }[] | undefined;
    if (messages.length === 1) {
      attributes["messaging.kafka.offset"] = Number(first.offset);
      if (first.key) attributes["messaging.kafka.message.key"] = first.key.toString("utf8");
      parent = remoteContext(this.api, first);
    } else {
      attributes["messaging.batch.message_count"] = messages.length;
      links = messages.map((m) => ({ context: remoteContext(this.api, m) })).filter((l) => l.context !== undefined);
    }
    const span = this.tracer.startSpan(`process ${first.topic}`, { kind: this.api.SpanKind.CONSUMER, attributes, ...(links ? { links } : {}) }, parent);
    const started = performance.now();
    if (highWatermark !== undefined) {
      const last = messages[messages.length - 1]!;
      const key = `${first.partition}:${first.topic}:${groupId}`;
      const lagAttributes: Attributes = { ...this.base(first.topic), "messaging.consumer.group.name": groupId, "messaging.destination.partition.id": String(first.partition) };
      this.lag.set(key, { value: Math.max(0, Number(BigInt(highWatermark) - BigInt(last.offset) - 1n)), attributes: lagAttributes });
    }
    const end = (error?: QiError): void => {
      const attrs: Attributes = { ...this.base(first.topic), "messaging.operation.name": "process", "messaging.consumer.group.name": groupId };
      this.duration.record((performance.now() - started) / 1000, error ? { ...attrs, "error.type": error.code } : attrs);
      if (error) this.fail(span, error, first.topic, "process");
      else this.consumed.add(messages.length, attrs);
      span.end();
    };
    const api = this.api;
    return Object.assign(end, { within: <T>(fn: () => T): T => api.context.with(api.trace.setSpan(api.context.active(), span), fn) });
  }

  /** Counts a consumer's rebalance or lifecycle event (`joined`, `revoked`, ...). */
  countEvent(event: string, groupId: string): void {
    this.events.add(1, { ...this.base(""), "messaging.consumer.group.name": groupId, "qi.streaming.event": event });
  }

  /** Counts a failed operation by category (also for errors outside spans). */
  countError(error: QiError, operation: string, topic = ""): void {
    this.errors.add(1, { ...this.base(topic), "messaging.operation.name": operation, "error.type": error.code, "qi.streaming.error.category": error.category });
  }

  private fail(span: OtelSpan, error: QiError, topic: string, operation: string): void {
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error.message });
    span.setAttribute("error.type", error.code);
    span.setAttribute("qi.streaming.error.category", error.category);
    this.countError(error, operation, topic);
  }
}
