/**
 * Logging: `config.logger` may be pino, winston, `console` or an object of our own shape (below);
 * each is called the way it expects (see `adaptLogger`). Secrets never reach a log line.
 */

/** One log level: a message and optional structured fields. */
export type LogMethod = (message: string, meta?: Record<string, unknown>) => void;

/**
 * What core calls: `(message, meta)`. `config.logger` may be this shape, `console`, winston
 * (which takes `(message, meta)` too) or pino (which takes `(meta, message)`: detected and
 * called that way, see `adaptLogger`).
 */
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

/** One line on stderr: the message, then the fields as JSON (stacks only at debug: see `safeLogger`). */
const toStderr =
  (level: string): LogMethod =>
  (message, meta) => {
    let fields = "";
    if (meta !== undefined && Object.keys(meta).length > 0) {
      try {
        fields = ` ${JSON.stringify(meta)}`;
      } catch {
        fields = "";
      }
    }
    process.stderr.write(`[qi-streaming] ${level} ${message.replace(/\r?\n/g, " ")}${fields}\n`);
  };

/**
 * The default: one line per event on stderr. What it is given is already filtered by
 * `logLevel` (default `warn`: warnings and errors only).
 */
export const defaultLogger: Logger = { debug: toStderr("debug"), info: toStderr("info"), warn: toStderr("warn"), error: toStderr("error") };

/** The levels, from the most detail to none: `logLevel` drops events below the one chosen. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** True when an event at `event` passes a logger set to `level`. */
export function levelEnabled(level: LogLevel, event: Exclude<LogLevel, "silent">): boolean {
  return RANK[event] >= (RANK[level] ?? RANK.warn);
}

const PINO_SERIALIZERS = Symbol.for("pino.serializers");

/**
 * True for a pino logger (or a pino child): pino marks each instance with its serializers under
 * `Symbol.for("pino.serializers")`; a pino-compatible logger without it is recognised by pino's
 * own pair `levels.values` (a name-to-number table) and `bindings()`. winston has `levels` too,
 * but as a flat table and without `bindings`.
 */
export function isPino(logger: object): boolean {
  const l = logger as Record<PropertyKey, unknown>;
  if (typeof l[PINO_SERIALIZERS] === "object" && l[PINO_SERIALIZERS] !== null) return true;
  const levels = l["levels"] as { values?: unknown } | undefined;
  return typeof levels === "object" && levels !== null && typeof levels.values === "object" && typeof l["bindings"] === "function";
}

/**
 * A user's logger as our shape, detected once: each method read once and bound to its logger
 * (a getter or a later change to the logger changes nothing). pino takes `(object, message)`,
 * so it is called that way (our fields become JSON fields of its line); winston and `console`
 * take `(message, meta)` as we do. A method that is not a function is kept as it is, for the
 * config check to report.
 */
export function adaptLogger(logger: object): Logger {
  const l = logger as Record<string, unknown>;
  const pino = isPino(logger);
  const out: Record<string, unknown> = {};
  for (const m of ["debug", "info", "warn", "error"] as const) {
    const fn = l[m];
    if (typeof fn !== "function") {
      out[m] = fn;
      continue;
    }
    const bound = (fn as (...a: unknown[]) => unknown).bind(logger);
    out[m] = pino ? ((message: string, meta?: Record<string, unknown>) => (meta === undefined ? bound(message) : bound(meta, message))) satisfies LogMethod : bound;
  }
  return out as unknown as Logger;
}

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
 * throws cannot break the library; events below `level` are dropped (the default passes all),
 * and a `stack` field is dropped unless the level is `debug`.
 */
export function safeLogger(inner: Logger, secrets: readonly string[], level: LogLevel = "debug"): Logger {
  const wrap =
    (method: LogMethod, event: Exclude<LogLevel, "silent">): LogMethod =>
    (message, meta) => {
      if (!levelEnabled(level, event)) return;
      try {
        let fields = meta === undefined ? undefined : (scrubMeta(meta, secrets) as Record<string, unknown>);
        // Stacks (a client library's `stack` field) only at debug: one line per event otherwise.
        if (fields && level !== "debug" && "stack" in fields) {
          const { stack: _stack, ...rest } = fields;
          fields = rest;
        }
        method.call(inner, scrubText(String(message), secrets), fields);
      } catch {
        // A broken logger must not break message delivery.
      }
    };
  return { debug: wrap(inner.debug, "debug"), info: wrap(inner.info, "info"), warn: wrap(inner.warn, "warn"), error: wrap(inner.error, "error") };
}

/** A logger that can be closed: once closed, every event is dropped. */
export interface ClosableLogger {
  readonly logger: Logger;
  /** Drops every later event (a client library's retries logged after `disconnect()`). */
  close(): void;
}

/** Wraps `inner` so that `close()` silences it; the client closes it when `disconnect()` resolves. */
export function closableLogger(inner: Logger): ClosableLogger {
  let open = true;
  const gate =
    (method: LogMethod): LogMethod =>
    (message, meta) => {
      if (open) method(message, meta);
    };
  return {
    logger: { debug: gate(inner.debug), info: gate(inner.info), warn: gate(inner.warn), error: gate(inner.error) },
    close: () => void (open = false),
  };
}
