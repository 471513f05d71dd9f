/**
 * From our config to @confluentinc/kafka-javascript's (its KafkaJS-style API: a `kafkaJS` block
 * plus librdkafka properties). `config.options` takes librdkafka properties by their own dotted
 * names (`linger.ms`, `fetch.wait.max.ms`, ...), passed through as they are; any other key is a
 * `VALIDATION` error. Secrets never reach a log line: logs go through the injected logger.
 */
import type { Logger, ResolvedConfig } from "@qi/streaming";

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
  "max.poll.interval.ms",
  "heartbeat.interval.ms",
  "statistics.interval.ms",
  "socket.keepalive.enable",
  "metadata.max.age.ms",
  "topic.metadata.refresh.interval.ms",
  "client.rack",
  "isolation.level",
  "js.consumer.max.batch.size",
  "debug",
];

/** The logger shape the client calls (KafkaJS-style), routed to ours; `watch` sees every line. */
function routeLogs(logger: Logger, watch?: (message: string) => void): object {
  const log = (level: "debug" | "info" | "warn" | "error") => (message: string, extra?: Record<string, unknown>) => {
    watch?.(String(message));
    logger[level](`librdkafka: ${message}`, extra);
  };
  const routed = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), setLogLevel: () => {}, namespace: () => routed };
  return routed;
}

/** The `kafkaJS` block common to producer, consumer and admin. */
export function kafkaJsCommon(config: ResolvedConfig, retries = config.retry.retries, watch?: (message: string) => void): Record<string, unknown> {
  const s = config.security.sasl;
  const ssl = config.security.ssl;
  return {
    brokers: [...config.brokers],
    clientId: config.clientId,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    retry: { retries, initialRetryTime: config.retry.initialRetryTimeMs, maxRetryTime: config.retry.maxRetryTimeMs },
    logger: routeLogs(config.logger, watch),
    ...(ssl ? { ssl: ssl === true ? true : ssl } : {}),
    ...(s ? { sasl: { mechanism: s.mechanism, username: s.username, password: s.password } } : {}),
  };
}

/** The librdkafka properties the user passed. */
export function librdkafkaProperties(config: ResolvedConfig): Record<string, unknown> {
  return { ...config.options };
}
