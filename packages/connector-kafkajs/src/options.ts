/**
 * From our resolved config to kafkajs's objects: the client, the producer and its per-request
 * send options, the consumer and its `run()` options. Options kafkajs supports and our config
 * does not name are passed through explicitly, by the object they belong to; any other key is a
 * `VALIDATION` error (core checks the keys against `KAFKAJS_OPTION_KEYS`).
 */
import { allOptionKeys, fetchBudget, pickOptions, revealSecrets, type ResolvedConfig, type ResolvedConsumerConfig, type ResolvedProducerConfig } from "@qi/streaming/connector";
import { CompressionTypes, type ConsumerConfig, type KafkaConfig, type ProducerBatch, type ProducerConfig, type SASLOptions } from "kafkajs";
import { z } from "zod";
import { KAFKAJS_ASSIGNERS } from "./assigner.js";
import { kafkajsLogLevel, routeLogs } from "./logs.js";

/** Pass-through options, by the kafkajs object they go to. */
export const KAFKAJS_OPTIONS = {
  /** Keys passed to `new Kafka({...})`. */
  client: ["enforceRequestTimeout", "authenticationTimeout", "reauthenticationThreshold"],
  /** Keys passed to `kafka.producer({...})`. */
  producer: ["metadataMaxAge", "allowAutoTopicCreation", "transactionTimeout", "maxInFlightRequests"],
  /** Keys passed to `kafka.consumer({...})`, except `partitionsConsumedConcurrently`, which goes to `consumer.run({...})`. */
  consumer: ["rebalanceTimeout", "heartbeatInterval", "metadataMaxAge", "maxBytesPerPartition", "minBytes", "maxBytes", "maxWaitTimeInMs", "readUncommitted", "partitionsConsumedConcurrently"],
} as const;

/** Every key `config.options` may hold for the kafkajs connector; others are a `VALIDATION` error. */
export const KAFKAJS_OPTION_KEYS: readonly string[] = allOptionKeys(KAFKAJS_OPTIONS);

const count = (min: number) => z.number({ error: (iss) => `expected a number, got ${describe(iss.input)}` }).int({ error: "must be an integer" }).min(min, { error: `must be at least ${min}` });
const flag = z.boolean({ error: (iss) => `expected true or false, got ${describe(iss.input)}` });

/** What a wrong value was, for a reason (`the string "lots"`). */
function describe(value: unknown): string {
  return typeof value === "string" ? `the string ${JSON.stringify(value.slice(0, 40))}` : value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/**
 * A kafkajs option that our config now names itself: refused with the setting to use, rather
 * than one of the two silently winning over the other.
 */
const replacedBy = (setting: string) => z.never({ error: `is set by ${setting} (config.options would apply to every producer or consumer of the client and contradict it)` });

/** The types of the kafkajs options (zod 4, a Standard Schema): core validates them at `createStreamingClient`. */
export const KAFKAJS_OPTIONS_SCHEMA = z.looseObject({
  enforceRequestTimeout: flag.optional(),
  authenticationTimeout: count(1).optional(),
  reauthenticationThreshold: count(0).optional(),
  metadataMaxAge: count(0).optional(),
  allowAutoTopicCreation: flag.optional(),
  transactionTimeout: replacedBy("the producer's transactionTimeoutMs").optional(),
  maxInFlightRequests: count(1).optional(),
  rebalanceTimeout: count(1).optional(),
  heartbeatInterval: count(1).optional(),
  maxBytesPerPartition: count(1).optional(),
  minBytes: count(1).optional(),
  maxBytes: count(1).optional(),
  maxWaitTimeInMs: count(0).optional(),
  readUncommitted: replacedBy('the consumer\'s isolationLevel ("read_committed" or "read_uncommitted")').optional(),
  partitionsConsumedConcurrently: count(1).optional(),
});

const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD } as const;

function sasl(config: ResolvedConfig): SASLOptions | undefined {
  const s = config.security.sasl;
  if (!s) return undefined;
  return { mechanism: s.mechanism, username: s.username, password: s.password.reveal() } as SASLOptions;
}

/** `new Kafka(...)`'s config; `overrides.retries` for a client that must fail fast (health check, metadata). */
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
    logLevel: kafkajsLogLevel(config.logLevel),
    logCreator: routeLogs(config.logger),
    ...pickOptions(config.options, KAFKAJS_OPTIONS.client),
  };
}

/** `kafka.producer(...)`'s config. */
export function producerOptions(config: ResolvedConfig, producer: ResolvedProducerConfig): ProducerConfig {
  return {
    idempotent: producer.idempotent,
    allowAutoTopicCreation: false,
    ...pickOptions(config.options, KAFKAJS_OPTIONS.producer),
    // Core routes every record (Java murmur2); this keeps the record's partition and silences
    // kafkajs's warning about its default partitioner.
    createPartitioner: () => ({ message }) => message.partition ?? 0,
    ...(producer.transactionalId === undefined ? {} : transactionalOptions(config, producer.transactionalId, producer.transactionTimeoutMs)),
  };
}

/**
 * What kafkajs's documentation asks of a transactional producer: idempotent, one request in
 * flight per connection (its sequence numbers assume requests answered in order), and the
 * transaction timeout sent with InitProducerId. Last, so no pass-through option overrides them.
 * And a first retry of a send after 20 ms (see `transactionalSendRetry`).
 */
function transactionalOptions(config: ResolvedConfig, transactionalId: string, transactionTimeoutMs: number): ProducerConfig {
  return { transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: transactionTimeoutMs, retry: transactionalSendRetry(config.retry) };
}

/** Java's back-off before retrying AddPartitionsToTxn refused with CONCURRENT_TRANSACTIONS. */
const FIRST_TRANSACTIONAL_RETRY_MS = 20;

/**
 * The retries of a transactional producer's sends (kafkajs's per-producer `retry`; InitProducerId,
 * AddOffsetsToTxn and EndTxn keep the client's). A transaction's first write right after the
 * previous commit or abort is refused with CONCURRENT_TRANSACTIONS while the coordinator writes
 * that transaction's markers, a few milliseconds: kafkajs retries it after its first back-off,
 * 300 ms by default, which measured 300 to 370 ms on about half of back-to-back transactions.
 * Java retries that case after 20 ms. So the first back-off is 20 ms and, as each doubles,
 * there are as many more retries as halvings from the configured first back-off: the window in
 * which a send is retried (a leader election, say) stays as long as configured.
 */
export function transactionalSendRetry(retry: ResolvedConfig["retry"]): NonNullable<ProducerConfig["retry"]> {
  const initial = retry.initialRetryTimeMs;
  if (retry.retries === 0 || initial <= FIRST_TRANSACTIONAL_RETRY_MS) return { retries: retry.retries, initialRetryTime: initial, maxRetryTime: retry.maxRetryTimeMs };
  const extra = Math.ceil(Math.log2(initial / FIRST_TRANSACTIONAL_RETRY_MS));
  return { retries: retry.retries + extra, initialRetryTime: FIRST_TRANSACTIONAL_RETRY_MS, maxRetryTime: retry.maxRetryTimeMs };
}

/** What every `producer.sendBatch(...)` carries besides the messages. */
export type SendOptions = Required<Pick<ProducerBatch, "acks" | "timeout" | "compression">>;

/** The per-request options of every send. */
export function sendOptions(producer: ResolvedProducerConfig): SendOptions {
  return { acks: producer.acks, timeout: producer.timeout, compression: CODECS[producer.compression] };
}

/** `kafka.consumer(...)`'s config. */
export function consumerOptions(config: ResolvedConfig, consumer: ResolvedConsumerConfig): ConsumerConfig {
  const { partitionsConsumedConcurrently: _run, ...options } = pickOptions(config.options, KAFKAJS_OPTIONS.consumer);
  return {
    groupId: consumer.groupId,
    sessionTimeout: consumer.sessionTimeout,
    allowAutoTopicCreation: false,
    partitionAssigners: KAFKAJS_ASSIGNERS,
    // Java's fetch.max.wait.ms; kafkajs's 5 s default makes every stop wait up to 5 s.
    maxWaitTimeInMs: 500,
    // The memory budget: kafkajs fetches once per broker and waits until the batches of that
    // fetch are handled, so one response (at most `maxBytes`) is what it holds per broker.
    ...fetchBudget(consumer),
    ...options,
    // Always explicit: kafkajs defaults to read_committed, Apache Kafka (and core) to read_uncommitted.
    readUncommitted: consumer.isolationLevel === "read_uncommitted",
  };
}

/** How many partitions kafkajs hands over at once (`consumer.run({ partitionsConsumedConcurrently })`). @default 1 */
export function partitionsConsumedConcurrently(config: ResolvedConfig): number {
  return (config.options.partitionsConsumedConcurrently as number | undefined) ?? 1;
}
