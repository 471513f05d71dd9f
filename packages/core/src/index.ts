/**
 * `@qi/streaming`: one small, Result-typed Kafka API; the client library underneath is chosen
 * by configuration. This entry is what an application uses; connector authors find the
 * plug-in contract and their helpers in `@qi/streaming/connector`.
 */
export { ok, err, okAsync, errAsync, Result, ResultAsync } from "neverthrow";

export { createStreamingClient, StreamingClient } from "./client/streaming-client.js";
export { configFromEnv, ENV_VARS } from "./config/from-env.js";
export { CONFIG_DEFAULTS } from "./config/validate.js";
export type {
  StreamingConfig,
  SecurityConfig,
  SaslConfig,
  SaslMechanism,
  TlsOptions,
  RetryConfig,
  ProducerConfig,
  ConsumerConfig,
  HandlerRetryConfig,
  FailurePolicy,
  IsolationLevel,
  GroupProtocol,
  StallDetectionConfig,
} from "./config/types.js";
export type {
  IStreamingProducer,
  IStreamingConsumer,
  IStreamingAdmin,
  ClientHealth,
  RunConfig,
  RunOptions,
  ConcurrencyConfig,
  IStreamingTransaction,
  TransactionOffsets,
  SubscriptionConfig,
  EachMessageHandler,
  EachBatchHandler,
  HandlerContext,
  HandlerReturn,
  TopicConfig,
  TopicMetadata,
  PartitionMetadata,
} from "./interfaces.js";
export type { StreamingMessage, MessageBatch, ProduceResult, MessageOutcome, WrittenOutcome, NotWrittenOutcome, UnknownOutcome, ConsumedMessage, ConsumedBatch, TopicPartition, TopicPartitionOffset } from "./messages/types.js";
export { messagesToResend, mayHaveBeenWritten, type ResendOptions } from "./messages/resend.js";
export type { IStreamingConnector } from "./connector.js";
export type { ConsumerEventMap, ConsumerEventName, ConsumerEventListener, PartitionsEvent, JoinedEvent, StoppedEvent, StalledEvent, CrashedEvent, LeftEvent } from "./runtime/consumer-events.js";
export { CONSUMER_EVENTS } from "./runtime/consumer-events.js";
export type { GroupState, GroupListing, GroupDescription, GroupMember, TopicPartitions, PartitionOffsets, PartitionOffset, OffsetResetTarget, TimestampTarget, PartitionLag, ConfigEntry, BrokerNode, ClusterDescription } from "./admin-types.js";

export { isQiError, ERROR_CATEGORIES } from "./errors/qi-error.js";
export { unwrap, QiErrorException } from "./unwrap.js";
export type { QiError, ErrorCategory, ErrorContext } from "./errors/qi-error.js";
export { registerConnector } from "./registry.js";
export { silentLogger } from "./logger.js";
export type { Logger, LogLevel, LogMethod } from "./logger.js";
export { DEAD_LETTER_HEADERS } from "./runtime/failure-policy.js";
export { MEMORY_CONNECTOR_NAME } from "./memory/name.js";
export { resetMemoryCluster } from "./memory/cluster.js";
// Apps may pass `security.sasl.password` as a Secret (configFromEnv does); connectors reveal it from the kit.
export { Secret } from "./config/secrets.js";
