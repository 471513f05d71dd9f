/**
 * Loads `@opentelemetry/api` when the application has it (an optional peer): without it, or
 * with `telemetry: false`, telemetry costs nothing. Only the few members used are typed here,
 * so core does not depend on the package's types.
 */
import { createRequire } from "node:module";

export interface OtelSpan {
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
  isRecording(): boolean;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: unknown): unknown;
  end(): void;
}

export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): {
      startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean>; links?: { context: unknown }[] }, context?: unknown): OtelSpan;
    };
    setSpanContext(context: unknown, spanContext: { traceId: string; spanId: string; traceFlags: number; isRemote?: boolean }): unknown;
    setSpan(context: unknown, span: OtelSpan): unknown;
  };
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  metrics: {
    getMeter(name: string, version?: string): {
      createCounter(name: string, options?: { description?: string; unit?: string }): { add(value: number, attributes?: Record<string, string | number>): void };
      createHistogram(name: string, options?: { description?: string; unit?: string }): { record(value: number, attributes?: Record<string, string | number>): void };
      createObservableGauge(name: string, options?: { description?: string; unit?: string }): {
        addCallback(cb: (result: { observe(value: number, attributes?: Record<string, string | number>): void }) => void): void;
      };
    };
  };
  SpanKind: { PRODUCER: number; CONSUMER: number };
  SpanStatusCode: { ERROR: number };
}

let cached: OtelApi | null | undefined;
let version: string | null | undefined;

/**
 * The version of @qi/streaming, for the instrumentation scope: read once from the package's own
 * package.json, next to `dist/` in the published package (the same in the ESM and the CJS build)
 * and two levels up from this file in the sources. Undefined if neither is there (a bundled copy).
 */
export function packageVersion(): string | undefined {
  if (version === undefined) {
    version = null;
    const require = createRequire(import.meta.url);
    for (const path of ["../package.json", "../../package.json"]) {
      try {
        const pkg = require(path) as { name?: unknown; version?: unknown };
        if (pkg.name === "@qi/streaming" && typeof pkg.version === "string") {
          version = pkg.version;
          break;
        }
      } catch {
        // Not there: try the next place.
      }
    }
  }
  return version ?? undefined;
}

/** The OpenTelemetry API if installed, else undefined (looked up once). */
export function loadOtelApi(): OtelApi | undefined {
  if (cached === undefined) {
    try {
      cached = createRequire(import.meta.url)("@opentelemetry/api") as OtelApi;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}
