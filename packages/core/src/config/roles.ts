/**
 * The producer's and consumer's options with every default filled in, once, here: what core
 * runs with and what the drivers receive (no driver repeats a default).
 */
import type { QiError } from "../errors/qi-error.js";
import type { ConsumerConfig, FailurePolicy, GroupProtocol, HandlerRetryConfig, ProducerConfig } from "./types.js";

/** The consumer defaults (also documented on `ConsumerConfig`). */
export const CONSUMER_DEFAULTS = {
  /** ms without a heartbeat before the broker drops the member. */
  sessionTimeout: 30_000,
  /** Commit after each handled slice. */
  autoCommit: true,
  /** Most messages handed to the handler per partition at a time. */
  maxBatchSize: 500,
  /**
   * Most bytes of fetched records held ahead of the handler (4 MiB). Measured on one broker,
   * 1,000,000 records of 100 B, empty handler: see docs/configuration.md for the figures.
   */
  maxBufferedBytes: 4 * 1024 * 1024,
  /** Handler retries. */
  retry: {
    /** Attempts in all, the first included. */
    attempts: 3,
    /** First back-off, ms. */
    initialBackoffMs: 100,
    /** Longest back-off, ms. */
    maxBackoffMs: 2000,
  },
  /** Stop consuming when the handler still fails. */
  onFailure: "stop",
  /** ms `disconnect()` waits for handlers in flight (and as long again for the client to close). */
  closeTimeoutMs: 10_000,
  /** Apache Kafka's default: every record, aborted transactions' included. */
  isolationLevel: "read_uncommitted",
  /** The protocol every client and broker speaks. */
  groupProtocol: "classic",
  /** Stall detection limits, ms: a minute each (Java's poll interval is five; a service's health probe wants to know sooner). */
  stallDetection: {
    /** A handler attempt running longer is `HANDLER_STALLED`. */
    handlerMs: 60_000,
    /** A partition with lag that received nothing for longer is `FETCH_STALLED`. */
    fetchMs: 60_000,
    /** A member without partitions and not rejoined for longer is `MEMBERSHIP_LOST`. */
    membershipMs: 60_000,
  },
} as const;

/** A `ProducerConfig` resolved: acks as the protocol number, the send timeout in ms. */
export interface ResolvedProducerConfig {
  /** -1 (all), 1 (leader) or 0 (none). */
  readonly acks: -1 | 0 | 1;
  /** Idempotent writes. */
  readonly idempotent: boolean;
  /** ms a produce request may take (the client's request timeout for it). */
  readonly timeout: number;
  /** The codec, `none` for none. */
  readonly compression: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  /** ms a ready partition waits for more records (core's accumulator). */
  readonly lingerMs: number;
  /** Most bytes of one partition per request (core's accumulator). */
  readonly batchSize: number;
  /** Most bytes of records waiting or in flight. */
  readonly bufferMemory: number;
  /** ms a send waits for room before `BUFFER_FULL`. */
  readonly maxBlockMs: number;
  /** ms `disconnect()` waits for the sends in flight, or undefined for the send timeout. */
  readonly closeTimeoutMs: number | undefined;
  /** The transactional id, or undefined for a producer without transactions. */
  readonly transactionalId: string | undefined;
  /** ms the broker lets a transaction stay open. */
  readonly transactionTimeoutMs: number;
}

/** A `ConsumerConfig` resolved. */
export interface ResolvedConsumerConfig {
  /** The consumer group. */
  readonly groupId: string;
  /** ms without a heartbeat before the broker drops the member. */
  readonly sessionTimeout: number;
  /** Commit after each handled slice. */
  readonly autoCommit: boolean;
  /** Most messages handed to the handler per partition at a time. */
  readonly maxBatchSize: number;
  /** Most bytes of fetched records held ahead of the handler (the memory budget). */
  readonly maxBufferedBytes: number;
  /** Handler retries. */
  readonly retry: Required<HandlerRetryConfig>;
  /** What to do when the handler still fails. */
  readonly onFailure: FailurePolicy;
  /** ms per handler attempt, or undefined for no limit. */
  readonly handlerTimeoutMs: number | undefined;
  /** Which records the consumer reads. */
  readonly isolationLevel: "read_committed" | "read_uncommitted";
  /** Receives errors no call can return. */
  readonly onError: ((error: QiError) => void) | undefined;
  /** ms `disconnect()` waits for handlers in flight, and at most as long again for the client to close. */
  readonly closeTimeoutMs: number;
  /** ms `run()` waits for the group join: the session timeout plus the request timeout. */
  readonly joinTimeoutMs: number;
  /** Kafka's consumer group protocol. */
  readonly groupProtocol: GroupProtocol;
  /** Stall detection limits in ms; undefined: that check is off. */
  readonly stallDetection: {
    /** `HANDLER_STALLED` past this; undefined: off. */
    readonly handlerMs: number | undefined;
    /** `FETCH_STALLED` past this; undefined: off. */
    readonly fetchMs: number | undefined;
    /** `MEMBERSHIP_LOST` past this; undefined: off. */
    readonly membershipMs: number | undefined;
  };
}

/** A stall limit given (`false`: off), or its default. */
function stallLimit(given: number | false | undefined, fallback: number): number | undefined {
  return given === false ? undefined : (given ?? fallback);
}

/** What of the client config the producer defaults depend on. */
export interface ProducerDefaultsInput {
  /** The client's `requestTimeout`. */
  readonly requestTimeout: number;
  /** The client's `retry.retries`. */
  readonly retries: number;
  /** The connector supports idempotent writes. */
  readonly idempotentCapable: boolean;
}

/**
 * Fills in the producer defaults (`config` is already validated). Idempotence is on by default
 * as in Apache Kafka's own producer since 3.0 (KIP-679), and off, as there, when a setting
 * conflicts with it: acks other than `all`, or no client retries (idempotence is what makes a
 * retry safe; without retries the clients refuse it or, platformatic, retry forever).
 */
export function resolveProducerConfig(config: ProducerConfig | undefined, client: ProducerDefaultsInput): ResolvedProducerConfig {
  const acks = config?.acks ?? "all";
  const numeric = acks === "all" ? -1 : acks;
  const requestTimeout = client.requestTimeout;
  return {
    acks: numeric,
    // A transactional producer is idempotent (the schema refused an explicit false).
    idempotent: config?.idempotent ?? (config?.transactionalId !== undefined || (client.idempotentCapable && numeric === -1 && client.retries > 0)),
    timeout: config?.timeout ?? requestTimeout,
    compression: config?.compression ?? "none",
    lingerMs: config?.lingerMs ?? 0,
    batchSize: config?.batchSize ?? 1_048_576,
    bufferMemory: config?.bufferMemory ?? 32 * 1024 * 1024,
    maxBlockMs: config?.maxBlockMs ?? 60_000,
    closeTimeoutMs: config?.closeTimeoutMs,
    transactionalId: config?.transactionalId,
    transactionTimeoutMs: config?.transactionTimeoutMs ?? 60_000,
  };
}

/** Fills in the consumer defaults (`config` is already validated). */
export function resolveConsumerConfig(config: ConsumerConfig, requestTimeout: number): ResolvedConsumerConfig {
  const sessionTimeout = config.sessionTimeout ?? CONSUMER_DEFAULTS.sessionTimeout;
  return {
    groupId: config.groupId,
    sessionTimeout,
    autoCommit: config.autoCommit ?? CONSUMER_DEFAULTS.autoCommit,
    maxBatchSize: config.maxBatchSize ?? CONSUMER_DEFAULTS.maxBatchSize,
    maxBufferedBytes: config.maxBufferedBytes ?? CONSUMER_DEFAULTS.maxBufferedBytes,
    retry: { ...CONSUMER_DEFAULTS.retry, ...config.retry },
    onFailure: config.onFailure ?? CONSUMER_DEFAULTS.onFailure,
    handlerTimeoutMs: config.handlerTimeoutMs,
    isolationLevel: config.isolationLevel ?? CONSUMER_DEFAULTS.isolationLevel,
    onError: config.onError,
    closeTimeoutMs: config.closeTimeoutMs ?? CONSUMER_DEFAULTS.closeTimeoutMs,
    joinTimeoutMs: sessionTimeout + requestTimeout,
    groupProtocol: config.groupProtocol ?? CONSUMER_DEFAULTS.groupProtocol,
    stallDetection: {
      handlerMs: stallLimit(config.stallDetection?.handlerMs, CONSUMER_DEFAULTS.stallDetection.handlerMs),
      fetchMs: stallLimit(config.stallDetection?.fetchMs, CONSUMER_DEFAULTS.stallDetection.fetchMs),
      membershipMs: stallLimit(config.stallDetection?.membershipMs, CONSUMER_DEFAULTS.stallDetection.membershipMs),
    },
  };
}

/** The fetch sizes a consumer's memory budget gives: what every driver maps to its client's names. */
export interface FetchBudget {
  /** Most bytes of fetched records held at once, and so most bytes one fetch request asks for: the budget. */
  readonly maxBytes: number;
  /** Most bytes one partition contributes to a fetch: an eighth of the budget, at least 16 KiB, at most 1 MiB (Java's default). */
  readonly maxBytesPerPartition: number;
}

/**
 * Splits `maxBufferedBytes` into fetch sizes, once, for every connector: one fetch of at most the
 * budget, of which one partition takes at most an eighth (so a fetch spans several partitions),
 * never more than Java's 1 MiB per partition and never less than 16 KiB. A broker still returns
 * a record batch larger than these whole, so a single large record is never stuck.
 */
export function fetchBudget(consumer: Pick<ResolvedConsumerConfig, "maxBufferedBytes">): FetchBudget {
  const maxBytes = consumer.maxBufferedBytes;
  return { maxBytes, maxBytesPerPartition: Math.min(maxBytes, 1_048_576, Math.max(16_384, Math.floor(maxBytes / 8))) };
}
