/**
 * From our config to kafkajs's. Options kafkajs supports and our config does not name are passed
 * through explicitly, by where they belong; any other key is a `VALIDATION` error (core checks
 * the keys against `KAFKAJS_OPTION_KEYS`).
 */
import { allOptionKeys, pickOptions, type ResolvedConfig } from "@qi/streaming";
import { revealSecrets } from "@qi/streaming/connector";
import { logLevel, type KafkaConfig, type logCreator, type SASLOptions } from "kafkajs";

/** Pass-through options, by the kafkajs object they go to. */
export const KAFKAJS_OPTIONS = {
  /** Keys passed to `new Kafka({...})`. */
  client: ["enforceRequestTimeout", "authenticationTimeout", "reauthenticationThreshold"],
  /** Keys passed to `kafka.producer({...})`. */
  producer: ["metadataMaxAge", "allowAutoTopicCreation", "transactionTimeout", "maxInFlightRequests"],
  /** Keys passed to `kafka.consumer({...})`. */
  consumer: ["rebalanceTimeout", "heartbeatInterval", "metadataMaxAge", "maxBytesPerPartition", "minBytes", "maxBytes", "maxWaitTimeInMs", "readUncommitted", "partitionsConsumedConcurrently"],
} as const;

/** Every key `config.options` may hold for the kafkajs connector; others are a `VALIDATION` error. */
export const KAFKAJS_OPTION_KEYS: readonly string[] = allOptionKeys(KAFKAJS_OPTIONS);

/** Picks the options of one group (`KAFKAJS_OPTIONS.client`, ...). */
export const pick = pickOptions;


/** kafkajs logs through our logger (which scrubs secrets), at its WARN level and above. */
function routeLogs(config: ResolvedConfig): logCreator {
  const { logger } = config;
  return () =>
    ({ level, log }) => {
      const { message, ...meta } = log;
      const text = `kafkajs: ${String(message)}`;
      // "Response <Api> ..." lines are protocol errors kafkajs retries itself (coordinator
      // loading, rebalancing): debug chatter, not failures. Real failures reach the caller.
      if (text.startsWith("kafkajs: Response ")) logger.debug(text, meta);
      else if (level === logLevel.ERROR) logger.error(text, meta);
      else if (level === logLevel.WARN) logger.warn(text, meta);
      else if (level === logLevel.INFO) logger.info(text, meta);
      else logger.debug(text, meta);
    };
}

function sasl(config: ResolvedConfig): SASLOptions | undefined {
  const s = config.security.sasl;
  if (!s) return undefined;
  return { mechanism: s.mechanism, username: s.username, password: s.password.reveal() } as SASLOptions;
}

export function kafkaConfig(config: ResolvedConfig, overrides: { retries?: number } = {}): KafkaConfig {
  const ssl = config.security.ssl;
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    retry: {
      retries: overrides.retries ?? config.retry.retries,
      initialRetryTime: config.retry.initialRetryTimeMs,
      maxRetryTime: config.retry.maxRetryTimeMs,
    },
    ...(ssl === undefined || ssl === false ? {} : { ssl: ssl === true ? true : (revealSecrets(ssl) as KafkaConfig["ssl"]) }),
    ...(sasl(config) ? { sasl: sasl(config) } : {}),
    logLevel: logLevel.WARN,
    logCreator: routeLogs(config),
    ...pick(config.options, KAFKAJS_OPTIONS.client),
  };
}
