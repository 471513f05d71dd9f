/**
 * platformatic has no logger to inject (it uses `debug` and diagnostics channels, global to the
 * process); what it reports per client comes as events, which are routed here to our logger
 * (which scrubs secrets).
 */
import type { Logger } from "@qi/streaming";

/** The events of a platformatic client we listen to (every client is an EventEmitter). */
export interface EventSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Routes a client's events to `logger`; returns a function that removes the listeners. With
 * `errors: false` the caller listens to `error` itself (an `error` event nobody hears throws).
 */
export function routeLogs(client: EventSource, logger: Logger, role: string, { errors = true }: { errors?: boolean } = {}): () => void {
  const events: [string, (...args: unknown[]) => void][] = [
    ["client:broker:connect", (p) => logger.debug(`platformatic ${role}: connected to a broker`, broker(p))],
    ["client:broker:disconnect", (p) => logger.debug(`platformatic ${role}: disconnected from a broker`, broker(p))],
    ["client:broker:failed", (p) => logger.warn(`platformatic ${role}: broker connection failed`, broker(p))],
    ["consumer:heartbeat:error", (p) => logger.warn(`platformatic ${role}: heartbeat failed: ${message((p as { error?: unknown })?.error)}`)],
    ["consumer:heartbeat:stalled", (p) => logger.warn(`platformatic ${role}: heartbeat stalled for ${String((p as { stalledFor?: unknown })?.stalledFor)} ms`)],
    ["consumer:group:rebalance", () => logger.info(`platformatic ${role}: group rebalance`)],
    ["consumer:group:autocommit:error", (p) => logger.warn(`platformatic ${role}: commit before rebalance failed: ${message((p as { error?: unknown })?.error)}`)],
  ];
  if (errors) events.push(["error", (e) => logger.error(`platformatic ${role}: ${message(e)}`)]);
  for (const [event, listener] of events) client.on(event, listener);
  return () => {
    for (const [event, listener] of events) client.removeListener(event, listener);
  };
}

function broker(payload: unknown): Record<string, unknown> {
  const b = (payload as { broker?: { host?: unknown; port?: unknown } } | undefined)?.broker;
  return b ? { broker: `${String(b.host)}:${String(b.port)}` } : {};
}

/** An error's message, for a log line. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
