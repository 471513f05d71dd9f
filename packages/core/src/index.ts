/**
 * `@qi/streaming`: one small, Result-typed Kafka API; the client library underneath is chosen
 * by configuration.
 */
export { ok, err, okAsync, errAsync, Result, ResultAsync } from "neverthrow";

export { createStreamingClient, StreamingClient } from "./client/streaming-client.js";
export { configFromEnv, ENV_VARS } from "./config/from-env.js";
export { CONFIG_DEFAULTS, checkPositiveInt } from "./config/validate.js";
export type * from "./config/types.js";
export type * from "./interfaces.js";
export type * from "./messages/types.js";
export type * from "./connector.js";

export {
  qiError,
  validationError,
  stateError,
  unsupportedError,
  topicNotFound,
  topicAlreadyExists,
  partitionNotFound,
  isQiError,
  withContext,
  ERROR_CATEGORIES,
} from "./errors/qi-error.js";
export type { QiError, ErrorCategory, ErrorContext, QiErrorOptions } from "./errors/qi-error.js";
export { toQiError, handlerError, unwrapError } from "./errors/classify.js";
export type { ErrorHint, ErrorHinter } from "./errors/classify.js";
export { kafkaErrorByCode, kafkaErrorByName, allKafkaErrorCodes } from "./errors/kafka-codes.js";
export type { KafkaErrorCode } from "./errors/kafka-codes.js";

export { murmur2, partitionForKey, JavaCompatiblePartitioner } from "./partitioner/murmur2.js";
export { JAVA_MURMUR2_VECTORS } from "./partitioner/java-vectors.js";
export { pickOptions, allOptionKeys } from "./config/options.js";
export { normalizeOutgoing, normalizeBatch, normalizeIncoming, toOffsetString, checkTopicName, checkPartition, checkOffset } from "./messages/normalize.js";
export type { RawIncoming } from "./messages/normalize.js";

export { registerConnector, unregisterConnector, resolveConnector, BUILTIN_PACKAGES } from "./registry.js";
export { defaultLogger, silentLogger, scrubText } from "./logger.js";
export type { Logger, LogMethod } from "./logger.js";
export { promiseOf, withTimeout } from "./runtime/attempt.js";
export { DEAD_LETTER_HEADERS } from "./runtime/failure-policy.js";
export { Telemetry } from "./telemetry/telemetry.js";
export type { TelemetryScope } from "./telemetry/telemetry.js";

export { memoryConnector, MEMORY_CONNECTOR_NAME } from "./memory/connector.js";
export { memoryCluster, resetMemoryCluster } from "./memory/cluster.js";
export type { MemoryCluster } from "./memory/cluster.js";
export type { MemoryOptions } from "./memory/options.js";
export { PartitionRouter, offsetsFromBase } from "./runtime/partition-router.js";
export type { PartitionCountFetcher } from "./runtime/partition-router.js";
export { alreadyExistsError, kafkaJsTopicSpecs } from "./runtime/topic-specs.js";
export type { KafkaJsTopicSpec } from "./runtime/topic-specs.js";
