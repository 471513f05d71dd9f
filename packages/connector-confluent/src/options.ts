/**
 * From our config to @confluentinc/kafka-javascript's (its KafkaJS-style API: a `kafkaJS` block
 * plus librdkafka properties). `config.options` takes librdkafka properties by their own dotted
 * names (`linger.ms`, `fetch.wait.max.ms`, ...), passed through as they are: the common ones are
 * listed, any other well-formed property name is accepted too, except those the connector sets
 * itself from our config (they would change behaviour the contract fixes). librdkafka rejects a
 * name it does not know when the client is made (at `connect`).
 */
import type { TlsOptions } from "@qi/streaming";
import { describeInput, editDistance, revealSecret, revealSecrets, unsupportedError, validationError, type ResolvedConfig } from "@qi/streaming/connector";
import { z } from "zod";
import { confluentLogLevel, routeLogs, type LogWatcher } from "./logs.js";

/** librdkafka properties accepted in `config.options` (passed through to every client). */
export const CONFLUENT_OPTION_KEYS: readonly string[] = [
  "linger.ms",
  "batch.num.messages",
  "batch.size",
  "queue.buffering.max.messages",
  "queue.buffering.max.kbytes",
  "max.in.flight.requests.per.connection",
  "message.max.bytes",
  "fetch.wait.max.ms",
  "fetch.min.bytes",
  "fetch.max.bytes",
  "max.partition.fetch.bytes",
  "queued.max.messages.kbytes",
  "max.poll.interval.ms",
  "heartbeat.interval.ms",
  "statistics.interval.ms",
  "socket.keepalive.enable",
  "metadata.max.age.ms",
  "topic.metadata.refresh.interval.ms",
  "client.rack",
  "js.consumer.max.batch.size",
  "js.consumer.max.cache.size.per.worker.ms",
  "debug",
];

/**
 * librdkafka properties the connector sets from our config, or that would break what the
 * contract promises (the partitioner, commits, the group protocol every connector shares).
 */
export const CONFLUENT_OWNED_PROPERTIES: readonly string[] = [
  "bootstrap.servers",
  "metadata.broker.list",
  "client.id",
  "group.id",
  // The consumer's `groupProtocol` sets it (and, under "consumer", leaves out the classic-only
  // properties below, which librdkafka then refuses).
  "group.protocol",
  "group.protocol.type",
  "partition.assignment.strategy",
  "session.timeout.ms",
  "enable.auto.commit",
  "enable.auto.offset.store",
  "auto.offset.reset",
  "partitioner",
  "acks",
  "request.required.acks",
  "enable.idempotence",
  "compression.type",
  "compression.codec",
  "security.protocol",
  "sasl.mechanism",
  "sasl.mechanisms",
  "sasl.username",
  "sasl.password",
  "socket.timeout.ms",
  "socket.connection.setup.timeout.ms",
  "retry.backoff.ms",
  "retry.backoff.max.ms",
  "rebalance_cb",
  "offset_commit_cb",
  // The consumer's `isolationLevel`, the producer's `transactionalId` and `transactionTimeoutMs`:
  // a `transactional.id` in `options` would make every producer transactional, its plain sends
  // refused by librdkafka.
  "isolation.level",
  "transactional.id",
  "transaction.timeout.ms",
];

const PROPERTY_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const OWNED = new Set(CONFLUENT_OWNED_PROPERTIES);

const KNOWN = [...CONFLUENT_OPTION_KEYS, ...CONFLUENT_OWNED_PROPERTIES];

/** The listed property a name is one or two edits from (`linger.mss` -> `linger.ms`): a typo. */
export function nearLibrdkafkaProperty(key: string): string | undefined {
  if (KNOWN.includes(key)) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of KNOWN) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * Any librdkafka-looking property name (`word.word...`) that the connector does not own, and
 * that is not one or two edits from a listed one (a typo, refused with the name it is near).
 */
export function acceptsLibrdkafkaProperty(key: string): boolean {
  return PROPERTY_NAME.test(key) && !OWNED.has(key) && nearLibrdkafkaProperty(key) === undefined;
}

const STRING_PROPERTIES = new Set(["client.rack", "debug"]);
// librdkafka takes a number as a number or as its digits.
const whole = z.custom<number | string>((v) => (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "string" && /^\d+$/.test(v)), {
  error: (iss) => `expected a whole number, got ${describeInput(iss.input)}`,
});
const text = z.string({ error: (iss) => `expected a string, got ${describeInput(iss.input)}` });
const flag = z.custom<boolean | string>((v) => typeof v === "boolean" || v === "true" || v === "false", { error: (iss) => `expected true or false, got ${describeInput(iss.input)}` });

/** The types of the listed librdkafka properties (zod 4, a Standard Schema); unlisted ones go to librdkafka as they are. */
export const CONFLUENT_OPTIONS_SCHEMA = z.looseObject(
  Object.fromEntries(CONFLUENT_OPTION_KEYS.map((k) => [k, (STRING_PROPERTIES.has(k) ? text : k === "socket.keepalive.enable" ? flag : whole).optional()])),
);

/**
 * TLS options (Node's names) as librdkafka properties. A key with no librdkafka equivalent is
 * `UNSUPPORTED`, not ignored: certificates must be given as PEM text, or by file through the
 * `ssl.*.location` properties in `options`.
 */
export function tlsProperties(ssl: TlsOptions): Record<string, unknown> {
  const pem = (v: unknown): string => (Array.isArray(v) ? v.map(pem).join("\n") : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ssl)) {
    if (value === undefined) continue;
    switch (key) {
      case "ca":
        out["ssl.ca.pem"] = pem(value);
        break;
      case "cert":
        out["ssl.certificate.pem"] = pem(value);
        break;
      case "key":
        out["ssl.key.pem"] = pem(value);
        break;
      case "passphrase":
        out["ssl.key.password"] = String(value);
        break;
      case "ciphers":
        out["ssl.cipher.suites"] = String(value);
        break;
      case "rejectUnauthorized":
        if (value === false) Object.assign(out, { "enable.ssl.certificate.verification": false, "ssl.endpoint.identification.algorithm": "none" });
        break;
      default:
        throw unsupportedError(`the TLS option "${key}"`, { connector: "confluent", field: `security.ssl.${key}` });
    }
  }
  return out;
}

/** The `kafkaJS` block common to producer, consumer and admin. */
export function kafkaJsCommon(config: ResolvedConfig, watch?: LogWatcher): Record<string, unknown> {
  const s = config.security.sasl;
  const ssl = config.security.ssl;
  return {
    brokers: [...config.brokers],
    clientId: config.clientId,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    retry: { retries: config.retry.retries, initialRetryTime: config.retry.initialRetryTimeMs, maxRetryTime: config.retry.maxRetryTimeMs },
    logger: routeLogs(config.logger, watch),
    logLevel: confluentLogLevel(config.logLevel),
    // The client takes only `ssl: true`; TLS options become librdkafka properties (below).
    ...(ssl ? { ssl: true } : {}),
    ...(s ? { sasl: { mechanism: s.mechanism, username: s.username, password: s.password.reveal() } } : {}),
  };
}

/** librdkafka's `log_level` (syslog severities) that the client's KafkaJS layer sets for each `kafkaJS.logLevel`. */
const LOG_LEVEL_SEVERITY = [0, 3, 4, 6, 7];

/**
 * The librdkafka properties that the client's KafkaJS layer makes of `kafkaJsCommon` (its
 * `kafkaJSToRdKafkaConfig`; a unit test compares the two), then ours and the user's, for a
 * client of the library's lower-level API: the connect probe (native.ts). `reconnect.backoff.ms`
 * 20 (librdkafka's default: 100) shortens the pause before librdkafka connects to the broker
 * that the bootstrap address named (half that back-off, at least 11 ms: 50 ms by default),
 * which a probe pays on every connect; the user's `options` still override it. Its log level
 * is at least librdkafka's LOG_ERR, whatever ours is: the probe tells a wrong password by its
 * log line (the logger still drops what is below our level).
 */
export function lowLevelProperties(config: ResolvedConfig): Record<string, unknown> {
  const s = config.security.sasl;
  const ssl = Boolean(config.security.ssl);
  const out: Record<string, unknown> = {
    "bootstrap.servers": config.brokers.join(","),
    "client.id": config.clientId,
    "socket.timeout.ms": config.requestTimeout,
    "socket.connection.setup.timeout.ms": Math.max(config.connectionTimeout + 10_000, 1000),
    "retry.backoff.max.ms": config.retry.maxRetryTimeMs,
    "retry.backoff.ms": config.retry.initialRetryTimeMs,
    log_level: Math.max(3, LOG_LEVEL_SEVERITY[confluentLogLevel(config.logLevel)]!),
  };
  if (s) Object.assign(out, { "sasl.mechanism": s.mechanism.toUpperCase(), "sasl.username": s.username, "sasl.password": s.password.reveal() });
  if (s || ssl) out["security.protocol"] = s ? (ssl ? "sasl_ssl" : "sasl_plaintext") : "ssl";
  return { ...out, "reconnect.backoff.ms": 20, ...librdkafkaProperties(config, "other") };
}

/**
 * The librdkafka properties of our TLS options, then those the user passed, for one kind of
 * client: the client's own `js.consumer.*` settings only for a consumer (librdkafka does not
 * know them). Producer-only or consumer-only properties reach every client (librdkafka ignores
 * them where they do not apply; its warning about it is logged at debug level).
 */
/**
 * librdkafka properties of the classic group protocol only: with `group.protocol=consumer` it
 * refuses the consumer when one is set (KIP-848 moves the session and heartbeat to the broker's
 * `group.consumer.session.timeout.ms` and `group.consumer.heartbeat.interval.ms`, the assignor
 * to `group.remote.assignor`). Of these, only `heartbeat.interval.ms` can come from `options`.
 */
export const CLASSIC_ONLY_PROPERTIES: readonly string[] = ["session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy", "group.protocol.type"];

/**
 * The consumer's group protocol as librdkafka properties: `group.protocol`, plus, under
 * "classic", what the connector always set (the round-robin assignor every connector shares).
 * Under "consumer", a classic-only property in `options` is refused here, with its name and
 * where its setting went, rather than by librdkafka at `connect`.
 */
export function groupProtocolProperties(config: ResolvedConfig, groupProtocol: "classic" | "consumer"): Record<string, unknown> {
  if (groupProtocol === "classic") return { "group.protocol": "classic", "partition.assignment.strategy": "roundrobin" };
  // The other classic-only properties are the connector's own (refused in `options` at createStreamingClient).
  if (Object.hasOwn(config.options, "heartbeat.interval.ms")) {
    throw validationError("options.heartbeat.interval.ms", 'is a classic group protocol property, refused with groupProtocol "consumer": the broker sets the interval (group.consumer.heartbeat.interval.ms)', { connector: "confluent" });
  }
  return { "group.protocol": "consumer" };
}

export function librdkafkaProperties(config: ResolvedConfig, role: "consumer" | "other"): Record<string, unknown> {
  const ssl = config.security.ssl;
  const out: Record<string, unknown> = typeof ssl === "object" ? tlsProperties(revealSecrets(ssl)) : {};
  for (const [key, value] of Object.entries(config.options)) {
    if (role === "consumer" || !key.startsWith("js.")) out[key] = revealSecret(value);
  }
  return out;
}
