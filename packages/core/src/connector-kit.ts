/**
 * `@qi/streaming/connector`: the connector kit. The plug-in contract (`IStreamingConnector` and
 * its three drivers, capabilities with defaults) and every helper a connector author needs, so
 * a driver maps its client and nothing more. Applications use `@qi/streaming` instead.
 */
export type * from "./connector.js";
export type * from "./admin-types.js";
export { DEFAULT_CAPABILITIES, capabilitiesOf } from "./connector.js";
export type { ResolvedConfig, ResolvedSecurityConfig } from "./config/types.js";
export { CONSUMER_DEFAULTS, fetchBudget, resolveConsumerConfig, resolveProducerConfig } from "./config/roles.js";
export type { FetchBudget, ProducerDefaultsInput, ResolvedConsumerConfig, ResolvedProducerConfig } from "./config/roles.js";
export { checkPositiveInt } from "./config/validate.js";
export { pickOptions, allOptionKeys } from "./config/options.js";
export { describeInput, editDistance, nearestName } from "./config/schema.js";
export { Secret, isSecret, revealSecret, revealSecrets, holdSecrets } from "./config/secrets.js";

// Messages in and out of a driver.
export type { OutgoingRecord, RoutedRecord } from "./messages/types.js";
export { normalizeOutgoing, normalizeBatch, normalizeIncoming, toOffsetString, checkTopicName, checkPartition, checkOffset } from "./messages/normalize.js";
export type { RawIncoming } from "./messages/normalize.js";
export { offsetsFromBase, partitionKey } from "./partitioner/router.js";
export type { BaseOffsetReport } from "./partitioner/router.js";
export { murmur2, partitionForKey, JavaCompatiblePartitioner } from "./partitioner/murmur2.js";
export { JAVA_MURMUR2_VECTORS } from "./partitioner/java-vectors.js";

// Errors: one table of protocol codes, one classifier; a connector only hints at its own classes.
export { qiError, validationError, stateError, unsupportedError, topicNotFound, topicAlreadyExists, partitionNotFound, withContext } from "./errors/qi-error.js";
export type { QiErrorOptions } from "./errors/qi-error.js";
export { toQiError, handlerError, unwrapError } from "./errors/classify.js";
export type { ErrorHint, ErrorHinter } from "./errors/classify.js";
export { kafkaErrorByCode, kafkaErrorByName, allKafkaErrorCodes } from "./errors/kafka-codes.js";
export type { KafkaErrorCode } from "./errors/kafka-codes.js";
export { alreadyExistsError, kafkaJsTopicSpecs } from "./runtime/topic-specs.js";
export type { KafkaJsTopicSpec } from "./runtime/topic-specs.js";

// Runtime helpers, logs and the registry's internals.
export { promiseOf, withTimeout } from "./runtime/attempt.js";
export { isFencing } from "./runtime/transaction.js";
export { defaultLogger, scrubText } from "./logger.js";
export { resolveConnector, unregisterConnector, BUILTIN_CONNECTORS } from "./registry.js";
export { Telemetry } from "./telemetry/telemetry.js";
export type { ProcessSpan, TelemetryScope } from "./telemetry/telemetry.js";

// The memory connector: the reference implementation, and the suite's own test bed.
export { memoryConnector } from "./memory/connector.js";
export { memoryCluster } from "./memory/cluster.js";
export type { MemoryCluster } from "./memory/cluster.js";
export type { MemoryOptions } from "./memory/options.js";
