/**
 * From our config to platformatic's. Options platformatic supports and our config does not name
 * are passed through explicitly, by where they belong; any other key is a `VALIDATION` error
 * (core checks the keys against `PLATFORMATIC_OPTION_KEYS`).
 */
import { allOptionKeys, pickOptions, type Logger, type ResolvedConfig } from "@qi/streaming";
import { revealSecrets } from "@qi/streaming/connector";
import type { Base, BaseOptions, SASLOptions } from "@platformatic/kafka";

/** Pass-through options, by the platformatic client they go to. */
export const PLATFORMATIC_OPTIONS = {
  /** Keys passed to every platformatic client (producer, consumer, admin). */
  client: ["metadataMaxAge", "maxInflights", "clientRack", "tlsServerName"],
  /** Keys passed to the `Producer`. */
  producer: ["repeatOnStaleMetadata"],
  /** Keys passed to the `Consumer`. */
  consumer: ["rebalanceTimeout", "heartbeatInterval", "heartbeatStallTimeout", "groupInstanceId", "minBytes", "maxBytes", "maxBytesPerPartition", "maxWaitTime", "isolationLevel"],
} as const;

/** Every key `config.options` may hold for the platformatic connector; others are a `VALIDATION` error. */
export const PLATFORMATIC_OPTION_KEYS: readonly string[] = allOptionKeys(PLATFORMATIC_OPTIONS);

/** Picks the options of one group (`PLATFORMATIC_OPTIONS.client`, ...). */
export const pick = pickOptions;


const MECHANISMS = { plain: "PLAIN", "scram-sha-256": "SCRAM-SHA-256", "scram-sha-512": "SCRAM-SHA-512" } as const;

function sasl(config: ResolvedConfig): SASLOptions | undefined {
  const s = config.security.sasl;
  if (!s) return undefined;
  return { mechanism: MECHANISMS[s.mechanism], username: s.username, password: s.password.reveal() };
}

/** Exponential back-off between platformatic's retries, from our `retry` config. */
function retryDelay(config: ResolvedConfig): (client: unknown, operationId: string, attempt: number) => number {
  const { initialRetryTimeMs, maxRetryTimeMs } = config.retry;
  return (_client, _operationId, attempt) => Math.min(maxRetryTimeMs, initialRetryTimeMs * 2 ** Math.max(0, attempt - 1));
}

/** The options every platformatic client (producer, consumer, admin) shares. */
export function baseOptions(config: ResolvedConfig, overrides: { retries?: number } = {}): BaseOptions {
  const ssl = config.security.ssl;
  const auth = sasl(config);
  return {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    connectTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    retries: overrides.retries ?? config.retry.retries,
    retryDelay: retryDelay(config),
    autocreateTopics: false,
    ...(ssl === undefined || ssl === false ? {} : { tls: ssl === true ? {} : (revealSecrets(ssl) as BaseOptions["tls"]) }),
    ...(auth ? { sasl: auth } : {}),
    ...pick(config.options, PLATFORMATIC_OPTIONS.client),
  } as BaseOptions;
}

/**
 * platformatic has no logger to inject (it uses `debug` and diagnostics channels, global to the
 * process); what it reports per client comes as events, which we route to our logger (which
 * scrubs secrets). Returns a function that removes the listeners.
 */
export function routeLogs(client: Base, logger: Logger, role: string, { errors = true }: { errors?: boolean } = {}): () => void {
  const events: [string, (...args: unknown[]) => void][] = [
    ["client:broker:connect", (p) => logger.debug(`platformatic ${role}: connected to a broker`, broker(p))],
    ["client:broker:disconnect", (p) => logger.debug(`platformatic ${role}: disconnected from a broker`, broker(p))],
    ["client:broker:failed", (p) => logger.warn(`platformatic ${role}: broker connection failed`, broker(p))],
    ["consumer:heartbeat:error", (p) => logger.warn(`platformatic ${role}: heartbeat failed: ${message((p as { error?: unknown })?.error)}`)],
    ["consumer:heartbeat:stalled", (p) => logger.warn(`platformatic ${role}: heartbeat stalled for ${String((p as { stalledFor?: unknown })?.stalledFor)} ms`)],
    ["consumer:group:rebalance", () => logger.info(`platformatic ${role}: group rebalance`)],
    ["consumer:group:autocommit:error", (p) => logger.warn(`platformatic ${role}: commit before rebalance failed: ${message((p as { error?: unknown })?.error)}`)],
  ];
  // An `error` event nobody listens to throws: the consumer reports its own through core instead.
  if (errors) events.push(["error", (e) => logger.error(`platformatic ${role}: ${message(e)}`)]);
  const emitter = client as unknown as { on(e: string, l: (...a: unknown[]) => void): void; removeListener(e: string, l: (...a: unknown[]) => void): void };
  for (const [event, listener] of events) emitter.on(event, listener);
  return () => {
    for (const [event, listener] of events) emitter.removeListener(event, listener);
  };
}

function broker(payload: unknown): Record<string, unknown> {
  const b = (payload as { broker?: { host?: unknown; port?: unknown } } | undefined)?.broker;
  return b ? { broker: `${String(b.host)}:${String(b.port)}` } : {};
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
