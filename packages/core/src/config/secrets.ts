/**
 * Secrets that cannot be printed. A `Secret` keeps its value in an ES `#private` field, which
 * `util.inspect` (even with `showHidden`), `JSON.stringify`, `structuredClone` and object spread
 * do not reach; every way of turning it into text gives `[hidden]`. Only `reveal()` returns it,
 * and connectors call that where they hand the value to their client library.
 */
import { isSecretKey } from "../logger.js";
import { processWide } from "../process-wide.js";
import type { StreamingConfig, TlsOptions } from "./types.js";

const HIDDEN = "[hidden]";

/**
 * Every `Secret` of the process and its value, whichever copy of this package made it (an ESM
 * client handing a Secret to a connector built against the CJS kit): the `#value` brand check
 * only knows its own copy's class. Only the constructor writes here, so a look-alike object is
 * never in it.
 */
const SECRETS = processWide("secrets", 1, () => new WeakMap<object, unknown>(), (v): v is WeakMap<object, unknown> => v instanceof WeakMap);

/** A value (a password, a TLS key, a token) that prints as `[hidden]` however it is printed. */
export class Secret<T = string> {
  readonly #value: T;

  /** Holds `value`; the instance is frozen. */
  constructor(value: T) {
    this.#value = value;
    SECRETS.set(this, value);
    Object.freeze(this);
  }

  /** True for a real `Secret` (a brand check: a Proxy or a look-alike object is not one). */
  static holds(value: unknown): value is Secret<unknown> {
    return typeof value === "object" && value !== null && (#value in value || SECRETS.has(value));
  }

  /** The value itself: call it only to hand the value to the code that needs it. */
  reveal(): T {
    return this.#value;
  }

  /** `[hidden]`. */
  toString(): string {
    return HIDDEN;
  }

  /** `[hidden]`, for `JSON.stringify`. */
  toJSON(): string {
    return HIDDEN;
  }

  /** `[hidden]`: template strings and `+` use this. */
  [Symbol.toPrimitive](): string {
    return HIDDEN;
  }

  /** `[hidden]`, for `util.inspect` and `console.log`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return HIDDEN;
  }
}

/** True for a `Secret`. */
export function isSecret(value: unknown): value is Secret<unknown> {
  return Secret.holds(value);
}

/** The value of a `Secret`; any other value as it is. */
export function revealSecret<T>(value: T | Secret<T>): T {
  // A Secret of another copy of this package passes `holds` through the process-wide table, and its own `reveal` reads its value.
  return Secret.holds(value) ? (value.reveal() as T) : value;
}

/** A shallow copy of an options object with every `Secret` value revealed, for a client library. */
export function revealSecrets<T extends Readonly<Record<string, unknown>>>(values: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = revealSecret(v);
  return out as T;
}

/** Holds `value` in a `Secret` (once: a `Secret` stays as it is); `undefined` stays undefined. */
function hold(value: unknown): unknown {
  return value === undefined || Secret.holds(value) ? value : new Secret(value);
}

/** TLS options that carry secrets: the private key (its PEM objects may hold passphrases too), its passphrase, a PKCS#12 bundle. */
const TLS_SECRETS = ["key", "passphrase", "pfx"] as const;

function holdTls(ssl: TlsOptions): TlsOptions {
  const out: Record<string, unknown> = { ...ssl };
  for (const k of TLS_SECRETS) if (k in out) out[k] = hold(out[k]);
  return Object.freeze(out);
}

/**
 * A copy of a user's config with every secret held in a `Secret`: the SASL password, the TLS
 * key, passphrase and pfx, and `options` values whose key looks secret (the logger's rule,
 * `isSecretKey`). The copy's own objects are frozen; the user's objects are not touched.
 */
export function holdSecrets(config: StreamingConfig): StreamingConfig {
  const { security, options } = config;
  const sasl = security?.sasl && Object.freeze({ ...security.sasl, password: hold(security.sasl.password) as Secret });
  const ssl = typeof security?.ssl === "object" ? holdTls(security.ssl) : security?.ssl;
  const held: Record<string, unknown> = { ...config };
  if (security) held.security = Object.freeze({ ...security, ...(sasl ? { sasl } : {}), ...(ssl === undefined ? {} : { ssl }) });
  if (options) held.options = Object.freeze(Object.fromEntries(Object.entries(options).map(([k, v]) => [k, isSecretKey(k) ? hold(v) : v])));
  if (config.brokers) held.brokers = Object.freeze([...config.brokers]);
  if (config.retry) held.retry = Object.freeze({ ...config.retry });
  return Object.freeze(held) as StreamingConfig;
}
