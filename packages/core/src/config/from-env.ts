/**
 * `configFromEnv()`: a `StreamingConfig` from `QI_STREAMING_*` environment variables. Every
 * config field has one; `ENV_VARS` is the table the docs are generated from.
 */
import { err, ok, type Result } from "neverthrow";
import { validationError, type QiError } from "../errors/qi-error.js";
import { describeValue, readInput } from "../input/read.js";
import { nearestName } from "./schema.js";
import { holdSecrets } from "./secrets.js";
import type { LogLevel } from "../logger.js";
import type { SaslMechanism, StreamingConfig } from "./types.js";

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

/** Environment variable → config field, with how it is parsed. */
export const ENV_VARS = {
  /** `connector`: a connector name. @default "memory" */
  QI_STREAMING_CONNECTOR: "connector",
  /** `clientId`. @default "qi-streaming" */
  QI_STREAMING_CLIENT_ID: "clientId",
  /** `brokers`, comma-separated `host:port`. */
  QI_STREAMING_BROKERS: "brokers (comma-separated host:port)",
  /** `connectionTimeout`, whole ms. @default 10000 */
  QI_STREAMING_CONNECTION_TIMEOUT_MS: "connectionTimeout",
  /** `requestTimeout`, whole ms. @default 30000 */
  QI_STREAMING_REQUEST_TIMEOUT_MS: "requestTimeout",
  /** `retry.retries`. @default 5 */
  QI_STREAMING_RETRY_RETRIES: "retry.retries",
  /** `retry.initialRetryTimeMs`, ms. @default 300 */
  QI_STREAMING_RETRY_INITIAL_MS: "retry.initialRetryTimeMs",
  /** `retry.maxRetryTimeMs`, ms. @default 30000 */
  QI_STREAMING_RETRY_MAX_MS: "retry.maxRetryTimeMs",
  /** `security.sasl.mechanism`: `plain`, `scram-sha-256` or `scram-sha-512`. @default "plain" when a user name or password is set */
  QI_STREAMING_SASL_MECHANISM: "security.sasl.mechanism",
  /** `security.sasl.username`. */
  QI_STREAMING_SASL_USERNAME: "security.sasl.username",
  /** `security.sasl.password`; returned as a `Secret` (prints `[hidden]`), never logged. */
  QI_STREAMING_SASL_PASSWORD: "security.sasl.password",
  /** `security.ssl`: `true`/`1`/`yes` or `false`/`0`/`no`. */
  QI_STREAMING_SSL: "security.ssl (true or false)",
  /** `security.ssl.rejectUnauthorized`; setting it turns TLS on unless `QI_STREAMING_SSL=false`. */
  QI_STREAMING_SSL_REJECT_UNAUTHORIZED: "security.ssl.rejectUnauthorized (true or false)",
  /** `options`, a JSON object; anything else is a `VALIDATION` error. */
  QI_STREAMING_OPTIONS: "options (a JSON object)",
  /** `logLevel`: `debug`, `info`, `warn`, `error` or `silent`. @default "warn" */
  QI_STREAMING_LOG_LEVEL: "logLevel",
  /** `telemetry`: `true` or `false`. @default true */
  QI_STREAMING_TELEMETRY: "telemetry (true or false)",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

const PREFIX = "QI_STREAMING_";

function int(env: Env, name: keyof typeof ENV_VARS): Result<number | undefined, QiError> {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return ok(undefined);
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? ok(n) : err(validationError(name, `must be a whole number (got "${raw.slice(0, 30)}")`));
}

function bool(env: Env, name: keyof typeof ENV_VARS): Result<boolean | undefined, QiError> {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return ok(undefined);
  if (["true", "1", "yes"].includes(raw)) return ok(true);
  if (["false", "0", "no"].includes(raw)) return ok(false);
  return err(validationError(name, "must be true or false"));
}

/**
 * Reads the config from the environment (default `process.env`). Returns a `Result`, which
 * `createStreamingClient` also accepts: `createStreamingClient(configFromEnv())`. The config is
 * frozen and its secrets (the password, secret-looking `options`) are `Secret`s, so printing it
 * shows `[hidden]`; `.reveal()` one to read it.
 */
export function configFromEnv(env: Env = process.env): Result<StreamingConfig, QiError> {
  const read = readEnv(env);
  return read.isErr() ? err(read.error) : fromPlainEnv(read.value);
}

/** The `QI_STREAMING_*` variables of `env`, each read once, defensively: strings or absent. */
function readEnv(input: unknown): Result<Env, QiError> {
  if (typeof input !== "object" || input === null) return err(validationError("env", `must be an object of strings, like process.env (got ${describeValue(input)})`));
  // A variable with our prefix that we do not read is a typo (`QI_STREAMING_CONECTOR`): in
  // silence, the setting it meant would not apply.
  const names = readInput("env", () => Object.keys(input).filter((k) => k.startsWith(PREFIX)));
  if (names.isErr()) return err(names.error);
  for (const name of names.value) {
    if (Object.hasOwn(ENV_VARS, name)) continue;
    const near = nearestName(name.slice(PREFIX.length), Object.keys(ENV_VARS).map((k) => k.slice(PREFIX.length)));
    const hint = near ? `did you mean ${PREFIX}${near}?` : `the known ones: ${Object.keys(ENV_VARS).join(", ")}`;
    return err(validationError(name.slice(0, 80), `is not a qi-streaming environment variable (${hint})`));
  }
  const out: Record<string, string | undefined> = {};
  for (const name of Object.keys(ENV_VARS)) {
    const value = readInput(name, () => (input as Record<string, unknown>)[name]);
    if (value.isErr()) return err(value.error);
    if (value.value !== undefined && typeof value.value !== "string") return err(validationError(name, `must be a string (got ${describeValue(value.value)})`));
    out[name] = value.value;
  }
  return ok(out);
}

function fromPlainEnv(env: Env): Result<StreamingConfig, QiError> {
  const numbers = {
    connectionTimeout: int(env, "QI_STREAMING_CONNECTION_TIMEOUT_MS"),
    requestTimeout: int(env, "QI_STREAMING_REQUEST_TIMEOUT_MS"),
    retries: int(env, "QI_STREAMING_RETRY_RETRIES"),
    initialRetryTimeMs: int(env, "QI_STREAMING_RETRY_INITIAL_MS"),
    maxRetryTimeMs: int(env, "QI_STREAMING_RETRY_MAX_MS"),
  };
  for (const r of Object.values(numbers)) if (r.isErr()) return err(r.error);
  const ssl = bool(env, "QI_STREAMING_SSL");
  if (ssl.isErr()) return err(ssl.error);
  const reject = bool(env, "QI_STREAMING_SSL_REJECT_UNAUTHORIZED");
  if (reject.isErr()) return err(reject.error);
  const telemetry = bool(env, "QI_STREAMING_TELEMETRY");
  if (telemetry.isErr()) return err(telemetry.error);
  const logLevel = env.QI_STREAMING_LOG_LEVEL?.trim().toLowerCase();
  if (logLevel && !LOG_LEVELS.includes(logLevel as LogLevel)) {
    return err(validationError("QI_STREAMING_LOG_LEVEL", `must be debug, info, warn, error or silent (got "${logLevel.slice(0, 30)}")`));
  }

  let options: Record<string, unknown> | undefined;
  const rawOptions = env.QI_STREAMING_OPTIONS?.trim();
  if (rawOptions) {
    try {
      const parsed: unknown = JSON.parse(rawOptions);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      options = parsed as Record<string, unknown>;
    } catch {
      return err(validationError("QI_STREAMING_OPTIONS", "must be a JSON object"));
    }
  }

  const mechanism = env.QI_STREAMING_SASL_MECHANISM?.trim().toLowerCase();
  const username = env.QI_STREAMING_SASL_USERNAME;
  const password = env.QI_STREAMING_SASL_PASSWORD;
  const sasl = mechanism || username || password ? { mechanism: (mechanism || "plain") as SaslMechanism, username: username ?? "", password: password ?? "" } : undefined;
  const sslValue = reject.value === undefined ? ssl.value : ssl.value === false ? false : { rejectUnauthorized: reject.value };

  const v = <T>(r: Result<T, QiError>): T => r._unsafeUnwrap();
  const retry = {
    ...(v(numbers.retries) === undefined ? {} : { retries: v(numbers.retries) }),
    ...(v(numbers.initialRetryTimeMs) === undefined ? {} : { initialRetryTimeMs: v(numbers.initialRetryTimeMs) }),
    ...(v(numbers.maxRetryTimeMs) === undefined ? {} : { maxRetryTimeMs: v(numbers.maxRetryTimeMs) }),
  };
  const brokers = env.QI_STREAMING_BROKERS?.split(",").map((b) => b.trim()).filter((b) => b.length > 0);
  const config: StreamingConfig = {
    ...(env.QI_STREAMING_CONNECTOR?.trim() ? { connector: env.QI_STREAMING_CONNECTOR.trim() } : {}),
    ...(env.QI_STREAMING_CLIENT_ID?.trim() ? { clientId: env.QI_STREAMING_CLIENT_ID.trim() } : {}),
    ...(brokers && brokers.length > 0 ? { brokers } : {}),
    ...(v(numbers.connectionTimeout) === undefined ? {} : { connectionTimeout: v(numbers.connectionTimeout) }),
    ...(v(numbers.requestTimeout) === undefined ? {} : { requestTimeout: v(numbers.requestTimeout) }),
    ...(Object.keys(retry).length > 0 ? { retry } : {}),
    ...(sasl || sslValue !== undefined ? { security: { ...(sasl ? { sasl } : {}), ...(sslValue === undefined ? {} : { ssl: sslValue }) } } : {}),
    ...(options ? { options } : {}),
    ...(logLevel ? { logLevel: logLevel as LogLevel } : {}),
    ...(telemetry.value === undefined ? {} : { telemetry: telemetry.value }),
  };
  return ok(holdSecrets(config));
}
