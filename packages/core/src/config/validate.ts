/**
 * Validation of a `StreamingConfig`: a bad config is a `VALIDATION` error naming the field and
 * the reason, and a good one is resolved with every default filled in.
 */
import { err, ok, type Result } from "neverthrow";
import { validationError, type QiError } from "../errors/qi-error.js";
import { describeValue, isRecord, optionsCopy, plainCopy, readInput } from "../input/read.js";
import { adaptLogger, defaultLogger, isSecretKey, safeLogger, type Logger } from "../logger.js";
import type { z } from "zod";
import { consumerConfigSchema, producerConfigSchema } from "./role-schema.js";
import { issueError, streamingConfigSchema } from "./schema.js";
import { holdSecrets, isSecret } from "./secrets.js";
import type { ConsumerConfig, ProducerConfig, ResolvedConfig, ResolvedSecurityConfig, StreamingConfig } from "./types.js";

/** The defaults `createStreamingClient` fills in for absent fields. */
export const CONFIG_DEFAULTS = {
  /** The embedded in-process connector. */
  connector: "memory",
  /** Client id sent to the broker. */
  clientId: "qi-streaming",
  /** ms to establish a connection. */
  connectionTimeout: 10_000,
  /** ms for a request to be answered. */
  requestTimeout: 30_000,
  /** Client retries: 5 after the first attempt, back-off from 300 ms doubling to 30 s. */
  retry: {
    /** Retries after the first attempt. */
    retries: 5,
    /** First back-off, ms; doubles each time. */
    initialRetryTimeMs: 300,
    /** Longest back-off, ms. */
    maxRetryTimeMs: 30_000,
  },
  /** Warnings and errors are logged; debug and info are not. */
  logLevel: "warn",
} as const;

type Check = Result<void, QiError>;
const pass: Check = ok(undefined);
const fail = (field: string, reason: string): Check => err(validationError(field, reason, { operation: "config" }));

/** A positive integer number of ms, when present. */
export function checkPositiveInt(value: unknown, field: string, max = 2_147_483_647): Result<void, QiError> {
  if (value === undefined) return pass;
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= max ? pass : fail(field, `must be a positive integer (got ${describeValue(value)})`);
}

function checkLogger(logger: unknown): Check {
  if (logger === undefined) return pass;
  if (!isRecord(logger)) return fail("logger", "must be an object with debug, info, warn and error functions");
  for (const m of ["debug", "info", "warn", "error"]) {
    if (typeof logger[m] !== "function") return fail(`logger.${m}`, "must be a function");
  }
  return pass;
}

/** Checks the shape of a config (the schema, then the logger's methods); the connector is resolved separately. */
export function checkConfig(config: unknown): Check {
  if (!isRecord(config)) return fail("config", "must be an object");
  let parsed: ReturnType<typeof streamingConfigSchema.safeParse>;
  try {
    parsed = streamingConfigSchema.safeParse(config);
  } catch {
    // Unreachable: the schema sees a plain copy, and safeParse reports, it does not throw.
    return fail("config", "could not be read");
  }
  if (!parsed.success) return err(issueError(streamingConfigSchema, parsed.error.issues, config, "", { operation: "config" }));
  const c = config as StreamingConfig;
  const logger = checkLogger(c.logger);
  if (logger.isErr()) return logger;
  return checkBrokersNeedConnector(c);
}

/**
 * Brokers with no connector, or with `memory`, are a mistake (the in-process broker would ignore
 * them): a service with a typo in its connector would run on memory in silence.
 */
function checkBrokersNeedConnector(c: StreamingConfig): Check {
  if ((c.brokers ?? []).length === 0) return pass;
  if (c.connector === undefined) {
    return fail("connector", "brokers are set but no connector is: set `connector` (or QI_STREAMING_CONNECTOR) to kafkajs, confluent or platformatic; with no connector the client runs on the in-process memory broker");
  }
  if (c.connector === "memory" || (typeof c.connector === "object" && c.connector.name === "memory")) {
    return fail("brokers", "the memory connector runs in-process and uses no brokers: remove `brokers` (QI_STREAMING_BROKERS), or set `connector` (QI_STREAMING_CONNECTOR) to kafkajs, confluent or platformatic");
  }
  return pass;
}

/** `security` read once: strictly, but for the TLS options, which may hold a client's own objects. */
function copySecurity(value: unknown): unknown {
  if (!isRecord(value)) return plainCopy(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    Object.defineProperty(out, key, { value: key === "ssl" ? optionsCopy(v) : plainCopy(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Reads a user's config once, defensively, into a plain copy (see `input/read.ts`), with the
 * logger's four methods read once and bound; then checks the copy. The copy is what the client
 * keeps: changing the caller's object afterwards changes nothing.
 */
export function readConfig(config: unknown): Result<StreamingConfig, QiError> {
  const read = readInput("config", () => {
    if (!isRecord(config)) return config;
    // Strict copies (class instances read as plain data), except where a client library's own
    // objects may sit: `options` and the TLS options. The logger and a connector object are
    // read as objects with methods (below; `checkConnector`).
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(config)) {
      const value = config[key];
      const copied = key === "options" ? optionsCopy(value) : key === "logger" || key === "connector" ? value : key === "security" ? copySecurity(value) : plainCopy(value);
      Object.defineProperty(copy, key, { value: copied, enumerable: true, writable: true, configurable: true });
    }
    // pino, winston, console or our shape, each called the way it expects (see `adaptLogger`).
    if (typeof copy.logger === "object" && copy.logger !== null) copy.logger = adaptLogger(copy.logger);
    return copy;
  });
  if (read.isErr()) return err(read.error);
  const checked = checkConfig(read.value);
  return checked.isErr() ? err(checked.error) : ok(read.value as StreamingConfig);
}

/** The secrets a config carries, to scrub from logs and errors. */
export function secretsOf(config: StreamingConfig): string[] {
  const text = (v: unknown): string[] =>
    isSecret(v) ? text(v.reveal()) : typeof v === "string" ? [v] : Buffer.isBuffer(v) ? [v.toString("utf8")] : Array.isArray(v) ? v.flatMap(text) : isRecord(v) ? Object.values(v).flatMap(text) : [];
  const ssl = config.security?.ssl;
  const tls = typeof ssl === "object" ? [...text(ssl.passphrase), ...text(ssl.key), ...text(ssl.pfx)] : [];
  // Client options by secret-looking names (`ssl.key.password`, `sasl.oauthbearer.client.secret`, ...).
  const options = Object.entries(config.options ?? {}).flatMap(([key, value]) => (isSecretKey(key) ? text(value) : []));
  return [...text(config.security?.sasl?.password), ...tls, ...options].filter((s) => s.length > 0);
}

/** Fills in defaults, with every secret held in a `Secret` (see `holdSecrets`). Call after `checkConfig`. */
export function resolveConfig(userConfig: StreamingConfig, connectorName: string): ResolvedConfig {
  const config = holdSecrets(userConfig);
  const logger: Logger = safeLogger(config.logger ?? defaultLogger, secretsOf(config), config.logLevel ?? CONFIG_DEFAULTS.logLevel);
  return {
    connectorName,
    clientId: config.clientId ?? CONFIG_DEFAULTS.clientId,
    brokers: [...(config.brokers ?? [])],
    connectionTimeout: config.connectionTimeout ?? CONFIG_DEFAULTS.connectionTimeout,
    requestTimeout: config.requestTimeout ?? CONFIG_DEFAULTS.requestTimeout,
    retry: { ...CONFIG_DEFAULTS.retry, ...config.retry },
    security: (config.security ?? {}) as ResolvedSecurityConfig,
    options: config.options ?? {},
    logger,
    logLevel: config.logLevel ?? CONFIG_DEFAULTS.logLevel,
    telemetry: config.telemetry ?? true,
  };
}

/** A producer config read once into a plain copy, then checked; the copy is what the producer uses. */
export function readProducerConfig(config: unknown): Result<ProducerConfig | undefined, QiError> {
  const read = readInput("producer config", () => plainCopy(config));
  if (read.isErr()) return err(read.error);
  const checked = checkProducerConfig(read.value);
  return checked.isErr() ? err(checked.error) : ok(read.value as ProducerConfig | undefined);
}

/** A consumer config read once into a plain copy (functions kept), then checked. */
export function readConsumerConfig(config: unknown): Result<ConsumerConfig, QiError> {
  const read = readInput("consumer config", () => plainCopy(config));
  if (read.isErr()) return err(read.error);
  const checked = checkConsumerConfig(read.value);
  return checked.isErr() ? err(checked.error) : ok(read.value as ConsumerConfig);
}

/** A role's config checked against its schema; a failure names the field (`producer.acks`, ...). */
function checkRole(schema: z.ZodType, config: unknown, prefix: "producer" | "consumer"): Check {
  const parsed = schema.safeParse(config);
  return parsed.success ? pass : err(issueError(schema, parsed.error.issues, config, `${prefix}.`, { operation: "config" }));
}

export function checkProducerConfig(config: unknown): Check {
  if (config === undefined) return pass;
  if (!isRecord(config)) return fail("producer config", "must be an object");
  return checkRole(producerConfigSchema, config, "producer");
}

export function checkConsumerConfig(config: unknown): Check {
  if (!isRecord(config)) return fail("consumer config", "must be an object with a groupId");
  return checkRole(consumerConfigSchema, config, "consumer");
}
