/** Logging: pino, winston and console all fit this shape. Secrets never reach a log line. */

/** One log level: a message and optional structured fields. */
export type LogMethod = (message: string, meta?: Record<string, unknown>) => void;

/** What `config.logger` must look like: pino, winston and `console` fit. */
export interface Logger {
  /** Detail for debugging (the client libraries' debug output). */
  readonly debug: LogMethod;
  /** Normal events (connected, joined a group). */
  readonly info: LogMethod;
  /** Something went wrong but was handled (a retry, a rebalance). */
  readonly warn: LogMethod;
  /** A failure the application should know about. */
  readonly error: LogMethod;
}

const noop: LogMethod = () => {};

/** The default: warnings and errors to stderr, nothing else. */
export const defaultLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (message, meta) => console.warn(`[qi-streaming] ${message}`, ...(meta ? [meta] : [])),
  error: (message, meta) => console.error(`[qi-streaming] ${message}`, ...(meta ? [meta] : [])),
};

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

const SECRET_KEYS = /pass(word)?|secret|token|credential|sasl|authorization|private.?key/i;
const MASK = "[redacted]";

/** True for a key whose value is a secret by its name (`password`, `ssl.key.password`, `token`, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.test(key);
}

/** Replaces every occurrence of the given secrets in a string. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join(MASK);
  return out;
}

/** A deep copy of `meta` with secret-looking keys masked and known secrets scrubbed. */
export function scrubMeta(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === "string") return scrubText(value, secrets);
  if (depth > 6 || typeof value !== "object" || value === null || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => scrubMeta(v, secrets, depth + 1));
  if (value instanceof Error) return { name: value.name, message: scrubText(value.message, secrets) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.test(k) && (typeof v === "string" || typeof v === "object") ? MASK : scrubMeta(v, secrets, depth + 1);
  }
  return out;
}

/**
 * Wraps a user's logger so that nothing it receives holds a secret, and so that a logger that
 * throws cannot break the library.
 */
export function safeLogger(inner: Logger, secrets: readonly string[]): Logger {
  const wrap =
    (method: LogMethod): LogMethod =>
    (message, meta) => {
      try {
        method.call(inner, scrubText(String(message), secrets), meta === undefined ? undefined : (scrubMeta(meta, secrets) as Record<string, unknown>));
      } catch {
        // A broken logger must not break message delivery.
      }
    };
  return { debug: wrap(inner.debug), info: wrap(inner.info), warn: wrap(inner.warn), error: wrap(inner.error) };
}
