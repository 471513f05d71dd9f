/**
 * From our config to platformatic's. Options platformatic supports and our config does not name
 * are passed through explicitly, by where they belong; any other key is a `VALIDATION` error
 * (core checks the keys against `PLATFORMATIC_OPTION_KEYS`).
 */
import { allOptionKeys, fetchBudget, pickOptions, revealSecrets, type ResolvedConfig, type ResolvedConsumerConfig, type ResolvedProducerConfig } from "@qi/streaming/connector";
import { z } from "zod";
import { FetchIsolationLevels, type BaseOptions, type ConsumerOptions, type ProducerOptions, type SASLOptions } from "@platformatic/kafka";

/** Pass-through options, by the platformatic client they go to. */
export const PLATFORMATIC_OPTIONS = {
  /** Keys passed to every platformatic client (producer, consumer, admin). */
  client: ["metadataMaxAge", "maxInflights", "clientRack", "tlsServerName"],
  /** Keys passed to the `Producer`. */
  producer: ["repeatOnStaleMetadata"],
  /** Keys passed to the `Consumer`. */
  // No `isolationLevel`: the consumer config's own `isolationLevel` sets it (one setting, not two).
  consumer: ["rebalanceTimeout", "heartbeatInterval", "heartbeatStallTimeout", "groupInstanceId", "groupRemoteAssignor", "minBytes", "maxBytes", "maxBytesPerPartition", "maxWaitTime"],
} as const;

/** Every key `config.options` may hold for the platformatic connector; others are a `VALIDATION` error. */
export const PLATFORMATIC_OPTION_KEYS: readonly string[] = allOptionKeys(PLATFORMATIC_OPTIONS);

/** What a wrong value was, for a reason (`the string "lots"`). */
function describe(value: unknown): string {
  return typeof value === "string" ? `the string ${JSON.stringify(value.slice(0, 40))}` : value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
const count = z.number({ error: (iss) => `expected a number, got ${describe(iss.input)}` }).int({ error: "must be an integer" }).min(0, { error: "must be at least 0" });
const text = z.string({ error: (iss) => `expected a string, got ${describe(iss.input)}` });

/** The types of the platformatic options (zod 4, a Standard Schema): core validates them at `createStreamingClient`. */
export const PLATFORMATIC_OPTIONS_SCHEMA = z.looseObject({
  metadataMaxAge: count.optional(),
  maxInflights: count.optional(),
  clientRack: text.optional(),
  tlsServerName: text.optional(),
  repeatOnStaleMetadata: z.boolean({ error: (iss) => `expected true or false, got ${describe(iss.input)}` }).optional(),
  rebalanceTimeout: count.optional(),
  heartbeatInterval: count.optional(),
  heartbeatStallTimeout: count.optional(),
  groupInstanceId: text.optional(),
  /** Under `groupProtocol: "consumer"`: the broker's assignor to ask for (`uniform` or `range`). */
  groupRemoteAssignor: text.optional(),
  minBytes: count.optional(),
  maxBytes: count.optional(),
  maxBytesPerPartition: count.optional(),
  maxWaitTime: count.optional(),
});

type Bytes = Buffer;

const MECHANISMS = { plain: "PLAIN", "scram-sha-256": "SCRAM-SHA-256", "scram-sha-512": "SCRAM-SHA-512" } as const;

function sasl(config: ResolvedConfig): SASLOptions | undefined {
  const s = config.security.sasl;
  if (!s) return undefined;
  return { mechanism: MECHANISMS[s.mechanism], username: s.username, password: s.password.reveal() };
}

/** Exponential back-off between platformatic's retries, from our `retry` config. */
function retryDelay(config: ResolvedConfig): (client: unknown, operationId: string, attempt: number) => number {
  const { initialRetryTimeMs, maxRetryTimeMs } = config.retry;
  return (_client, _operationId, attempt) => Math.min(maxRetryTimeMs, initialRetryTimeMs * 2 ** Math.max(0, attempt - 1));
}

/** The options every platformatic client (producer, consumer, admin) shares. */
export function baseOptions(config: ResolvedConfig, overrides: { retries?: number } = {}): BaseOptions {
  const ssl = config.security.ssl;
  const auth = sasl(config);
  return {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    connectTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    retries: overrides.retries ?? config.retry.retries,
    retryDelay: retryDelay(config),
    autocreateTopics: false,
    ...(ssl === undefined || ssl === false ? {} : { tls: ssl === true ? {} : (revealSecrets(ssl) as BaseOptions["tls"]) }),
    ...(auth ? { sasl: auth } : {}),
    ...pickOptions(config.options, PLATFORMATIC_OPTIONS.client),
  } as BaseOptions;
}

/**
 * The `Producer`'s options. `acks` defaults to all (-1), where platformatic's is leader only;
 * an idempotent producer is given none (platformatic requires all and sets it itself). For an
 * idempotent producer platformatic turns 0 or 1 retries into endless ones (a send or connect to
 * a dead or refusing broker would never end), so it gets at least 2, the fewest it keeps. A
 * transactional producer (idempotent, core made sure) gets its `transactionalId`; `timeout` stays
 * the broker-side produce timeout: platformatic also sends it as InitProducerId's transaction
 * timeout, which `transactions.ts` sets for that one request.
 */
export function producerOptions(config: ResolvedConfig, producer: ResolvedProducerConfig): ProducerOptions<Bytes, Bytes, Bytes, Bytes> {
  return {
    ...baseOptions(config, producer.idempotent ? { retries: Math.max(2, config.retry.retries) } : {}),
    ...pickOptions(config.options, PLATFORMATIC_OPTIONS.producer),
    idempotent: producer.idempotent,
    compression: producer.compression,
    timeout: producer.timeout,
    ...(producer.idempotent ? {} : { acks: producer.acks }),
    ...(producer.transactionalId === undefined ? {} : { transactionalId: producer.transactionalId }),
  };
}

/** How the consumer fetches: platformatic's options, with our defaults. */
export interface FetchSettings {
  /** Java's fetch.max.wait.ms: a partition that becomes ready waits at most this for a fetch in flight. @default 500 */
  readonly maxWaitTime: number;
  /** Most bytes of fetched records held (delivered and not yet handled, or prefetched); no fetch starts beyond it. @default the consumer's `maxBufferedBytes` */
  readonly maxBufferedBytes: number;
  /** Most bytes one fetch request asks for. @default the consumer's `maxBufferedBytes` */
  readonly maxBytes: number;
  /** Bytes fetched per partition per request. @default an eighth of `maxBufferedBytes`, at most 1 MiB */
  readonly maxBytesPerPartition: number;
}

/** The fetch sizes from the consumer's memory budget (core's split), unless `options` name their own. */
export function fetchSettings(config: ResolvedConfig, consumer: Pick<ResolvedConsumerConfig, "maxBufferedBytes">): FetchSettings {
  const o = config.options;
  const budget = fetchBudget(consumer);
  return {
    maxWaitTime: (o.maxWaitTime as number | undefined) ?? 500,
    maxBufferedBytes: budget.maxBytes,
    maxBytes: (o.maxBytes as number | undefined) ?? budget.maxBytes,
    maxBytesPerPartition: (o.maxBytesPerPartition as number | undefined) ?? budget.maxBytesPerPartition,
  };
}

/** The fetch settings under platformatic's own names (`maxBufferedBytes` is ours: the fetch loop's). */
function platformaticFetchOptions({ maxWaitTime, maxBytes, maxBytesPerPartition }: FetchSettings): Pick<FetchSettings, "maxWaitTime" | "maxBytes" | "maxBytesPerPartition"> {
  return { maxWaitTime, maxBytes, maxBytesPerPartition };
}

/**
 * The `Consumer`'s options. Commits are core's (platformatic's autocommit commits a batch before
 * it is processed). `beforeJoin` is platformatic's `protocolsMetadata` hook, awaited before
 * every JoinGroup: our "partitions revoked" moment. The isolation level is always passed:
 * platformatic's default is read_committed, ours (Apache Kafka's) read_uncommitted; platformatic
 * sends it with every fetch and every ListOffsets (so "latest" is the last stable offset under
 * read_committed, as in Java).
 */
export function consumerOptions(config: ResolvedConfig, consumer: ResolvedConsumerConfig, beforeJoin: () => Promise<void>): ConsumerOptions<Bytes, Bytes, Bytes, Bytes> {
  const { sessionTimeout } = consumer;
  return {
    ...baseOptions(config),
    groupId: consumer.groupId,
    sessionTimeout,
    rebalanceTimeout: Math.max(sessionTimeout, 60_000),
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
    autocommit: false,
    ...(consumer.groupProtocol === "consumer" ? { groupProtocol: "consumer" } : {}),
    isolationLevel: consumer.isolationLevel === "read_committed" ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
    ...platformaticFetchOptions(fetchSettings(config, consumer)),
    ...pickOptions(config.options, PLATFORMATIC_OPTIONS.consumer),
    protocolsMetadata: () => beforeJoin().then(() => Buffer.alloc(0)),
  } as ConsumerOptions<Bytes, Bytes, Bytes, Bytes>;
}
