/** Configuration types. Every field also has an environment variable (see `configFromEnv`). */
import type { IStreamingConnector } from "../connector.js";
import type { Logger, LogLevel } from "../logger.js";
import type { Secret } from "./secrets.js";

/** SASL mechanisms every network connector supports. */
export type SaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

/** SASL credentials (`security.sasl`). Env: `QI_STREAMING_SASL_MECHANISM`, `_USERNAME`, `_PASSWORD`. */
export interface SaslConfig {
  /** `plain`, `scram-sha-256` or `scram-sha-512`. */
  readonly mechanism: SaslMechanism;
  /** The SASL user name. */
  readonly username: string;
  /** A string or a `Secret`; held as a `Secret` once given to the client (never printed, logged or put in an error). */
  readonly password: string | Secret;
}

/**
 * TLS options passed to the client (`ca`, `cert`, `key`, `rejectUnauthorized`, ...). Once given
 * to the client, `key`, `passphrase` and `pfx` are held as `Secret`s.
 */
export type TlsOptions = Readonly<Record<string, unknown>>;

/** Authentication and encryption of the connection to the brokers. @default no SASL, no TLS */
export interface SecurityConfig {
  /** SASL authentication; absent means none. */
  readonly sasl?: SaslConfig;
  /** `true` for TLS with the system's CAs, or TLS options. */
  readonly ssl?: boolean | TlsOptions;
}

/** How the client retries failed requests. */
export interface RetryConfig {
  /** Attempts after the first. @default 5 */
  readonly retries?: number;
  /** First back-off, in ms; doubles each time. @default 300 */
  readonly initialRetryTimeMs?: number;
  /** Longest back-off, in ms. @default 30000 */
  readonly maxRetryTimeMs?: number;
}

/**
 * The client configuration given to `createStreamingClient` (or built by `configFromEnv()`).
 * Every field is optional; a bad value is a `VALIDATION` error naming the field.
 */
export interface StreamingConfig {
  /** `memory` (default), `kafkajs`, `confluent`, `platformatic`, a registered name, or a connector object. */
  readonly connector?: string | IStreamingConnector;
  /** @default "qi-streaming" */
  readonly clientId?: string;
  /** `host:port` bootstrap addresses. Required by every connector but `memory`. */
  readonly brokers?: readonly string[];
  /** ms to establish a connection. @default 10000 */
  readonly connectionTimeout?: number;
  /** ms for a request to be answered. @default 30000 */
  readonly requestTimeout?: number;
  /** How the client library retries failed requests (connectors map it to their client's settings). */
  readonly retry?: RetryConfig;
  /** SASL and TLS. @default none */
  readonly security?: SecurityConfig;
  /** Passed explicitly to the client library; unknown keys are a `VALIDATION` error. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Receives the library's and the client's logs. @default warnings and errors to the console */
  readonly logger?: Logger;
  /**
   * The least severe event logged, by the client and by the client library: `debug`, `info`,
   * `warn`, `error` or `silent` (nothing). Env: `QI_STREAMING_LOG_LEVEL`. @default "warn"
   */
  readonly logLevel?: LogLevel;
  /** OpenTelemetry spans and metrics, when `@opentelemetry/api` is installed. @default true */
  readonly telemetry?: boolean;
}

/** `security` as connectors receive it: the password is a `Secret` (so are TLS `key`, `passphrase`, `pfx`). */
export interface ResolvedSecurityConfig {
  /** SASL authentication; absent means none. */
  readonly sasl?: Omit<SaslConfig, "password"> & {
    /** The password, held: `reveal()` it only to hand it to the client library. */
    readonly password: Secret;
  };
  /** `true` for TLS with the system's CAs, or TLS options. */
  readonly ssl?: boolean | TlsOptions;
}

/** A validated config with every default filled in: what connectors receive. */
export interface ResolvedConfig {
  /** The connector's name (`memory`, `kafkajs`, ...). */
  readonly connectorName: string;
  /** Client id sent to the broker. */
  readonly clientId: string;
  /** Bootstrap addresses; empty for `memory`. */
  readonly brokers: readonly string[];
  /** ms to establish a connection. */
  readonly connectionTimeout: number;
  /** ms for a request to be answered. */
  readonly requestTimeout: number;
  /** Client retry settings, defaults filled in. */
  readonly retry: Required<RetryConfig>;
  /** SASL and TLS; `{}` when none. The password, TLS `key`, `passphrase` and `pfx` are `Secret`s: `revealSecret()` them for the client library. */
  readonly security: ResolvedSecurityConfig;
  /** The per-connector options, already checked against the connector's `optionKeys`; secret-looking keys hold `Secret`s. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The logger, wrapped so that secrets are scrubbed from every line. */
  readonly logger: Logger;
  /** The least severe event logged (the client's and the client library's logs). */
  readonly logLevel: LogLevel;
  /** Whether OpenTelemetry spans and metrics are emitted. */
  readonly telemetry: boolean;
}

/**
 * What to do with a message whose handler still fails after the last attempt: stop consuming
 * (the error is reported, the message is not committed), skip it (reported, committed), or
 * publish it to a dead-letter topic with its origin and the error in headers, then go on.
 */
export type FailurePolicy = "stop" | "skip" | {
  /** The topic failed messages are published to (it must exist); their origin and the error go in `qi.dlq.*` headers. */
  readonly deadLetterTopic: string;
};

/** Retries of a failing handler, with exponential back-off and jitter. */
export interface HandlerRetryConfig {
  /** Attempts in all, the first included. @default 3 */
  readonly attempts?: number;
  /** @default 100 */
  readonly initialBackoffMs?: number;
  /** @default 2000 */
  readonly maxBackoffMs?: number;
}

/** Options of `client.getProducer(config)`. The producer is cached: the first call's options win. */
export interface ProducerConfig {
  /** `all` (-1), leader only (1) or none (0). @default "all" */
  readonly acks?: "all" | 0 | 1 | -1;
  /**
   * Idempotent writes: the broker drops a record a retry sends again, so each is written once.
   * Needs acks "all"; `false` for brokers before 2.8 without the `IDEMPOTENT_WRITE` ACL.
   * @default true where the connector supports it (every built-in), acks are "all" and `retry.retries` is above 0
   */
  readonly idempotent?: boolean;
  /** ms a send may take before it fails with `TIMEOUT`. @default requestTimeout */
  readonly timeout?: number;
  /** @default "none" */
  readonly compression?: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  /**
   * ms a partition with records waiting holds them for more before they go (Java's
   * `linger.ms`). Only where core gathers the sends (kafkajs, platformatic); librdkafka gathers
   * its own. @default 0
   */
  readonly lingerMs?: number;
  /** Most bytes of one partition in one request where core gathers the sends (Java's `batch.size`). @default 1048576 */
  readonly batchSize?: number;
  /** Most bytes of records waiting or in flight (Java's `buffer.memory`); a send beyond it waits for room. @default 33554432 (32 MiB) */
  readonly bufferMemory?: number;
  /** ms a send may wait for room in `bufferMemory`, then it fails with `BUFFER_FULL`, not written (Java's `max.block.ms`). @default 60000 */
  readonly maxBlockMs?: number;
  /**
   * ms `disconnect()` waits for the sends in flight before it closes. A send still unanswered
   * then fails with `PRODUCER_CLOSED`, its messages reported "not written" (never handed to the
   * client) or "unknown" (handed over, no answer). @default the send timeout (`timeout` + `connectionTimeout`)
   */
  readonly closeTimeoutMs?: number;
  /**
   * Makes the producer transactional (see docs/transactions.md): its writes go through
   * `producer.transaction()` and become visible to `read_committed` consumers all at once, on
   * commit, or never. One producer per id at a time: a newer producer with the same id fences
   * the older one (`PRODUCER_FENCED`). Implies idempotent writes and acks "all". `client.getProducer`
   * keeps one producer per id, besides the plain one.
   */
  readonly transactionalId?: string;
  /** ms the broker lets a transaction stay open before it aborts it (Kafka's `transaction.timeout.ms`). @default 60000 */
  readonly transactionTimeoutMs?: number;
}

/** Which records a consumer reads (Kafka's `isolation.level`). */
export type IsolationLevel = "read_committed" | "read_uncommitted";

/** Options of `client.getConsumer(config)`. */
export interface ConsumerConfig {
  /** The consumer group; members of one group split the partitions. Required. */
  readonly groupId: string;
  /** ms. @default 30000 */
  readonly sessionTimeout?: number;
  /** Commit after each processed batch. When false, call `commitOffsets()`. @default true */
  readonly autoCommit?: boolean;
  /** Most messages handed to the handler per partition at a time; bigger fetches are sliced, with a commit after each slice. @default 500 */
  readonly maxBatchSize?: number;
  /**
   * The consumer's memory budget: most bytes of fetched records the consumer holds ahead of the
   * handler (fetched or prefetched, not yet handled). Each connector maps it to its client's
   * fetch and prefetch sizes (kafkajs `maxBytes`/`maxBytesPerPartition`, librdkafka
   * `fetch.max.bytes`/`max.partition.fetch.bytes`/`queued.max.messages.kbytes`, platformatic's
   * request sizes); a partition's share is an eighth of it, at most 1 MiB. When the budget is
   * full, fetching waits for the handler: nothing is dropped. Larger is faster on fast handlers
   * and costs memory (a decoded record takes several times its bytes); see docs/configuration.md.
   * @default 4194304 (4 MiB)
   */
  readonly maxBufferedBytes?: number;
  /** Retries of a failing handler before `onFailure` applies. @default 3 attempts, 100 ms to 2 s back-off */
  readonly retry?: HandlerRetryConfig;
  /** @default "stop" */
  readonly onFailure?: FailurePolicy;
  /** ms one handler attempt may take; past it the attempt fails with `HANDLER_TIMEOUT` and its signal aborts. @default no limit */
  readonly handlerTimeoutMs?: number;
  /**
   * ms `disconnect()` waits for the handlers in flight after aborting their `signal`; a handler
   * still running then is abandoned (reported to `onError` as `HANDLER_ABANDONED`, its messages
   * not committed). The client's commit, stop and leave then get at most as long again, so
   * `disconnect()` settles within twice this, whatever a handler does. @default 10000
   */
  readonly closeTimeoutMs?: number;
  /**
   * `read_committed` reads only records of committed transactions (and every non-transactional
   * one), stopping at the first open transaction; `read_uncommitted` reads every record written,
   * aborted ones too. Pick `read_committed` when consuming a transactional producer's output.
   * @default "read_uncommitted" (Apache Kafka's default; kafkajs and librdkafka default to read_committed)
   */
  readonly isolationLevel?: IsolationLevel;
  /** Called with every error the consumer cannot return from a call (handler failures, fetch errors). */
  readonly onError?: (error: import("../errors/qi-error.js").QiError) => void;
  /**
   * Kafka's consumer group protocol: `"classic"` (every client, every broker) or `"consumer"`
   * (KIP-848: the broker computes the assignment, rebalances without stopping the group; Kafka
   * 4.0 or later, on the connectors whose client speaks it: see `capabilities.groupProtocols`;
   * elsewhere `UNSUPPORTED`). See docs/group-protocols.md. @default "classic"
   */
  readonly groupProtocol?: GroupProtocol;
  /** When the consumer reports that it stalled (`onError`, the `stalled` event, `client.health()`); see docs/concurrency.md. */
  readonly stallDetection?: StallDetectionConfig;
}

/** Kafka's consumer group protocols: the classic one and KIP-848's. */
export type GroupProtocol = "classic" | "consumer";

/** Limits of the consumer's stall detection, in ms; `false` turns one check off. */
export interface StallDetectionConfig {
  /** A handler still running on one message (or slice) after this long, retries included, is `HANDLER_STALLED` (it is not stopped: `handlerTimeoutMs` does that). @default 60000 */
  readonly handlerMs?: number | false;
  /** A partition with lag (its end offset past what was handed over) that received nothing for this long is `FETCH_STALLED`. @default 60000 */
  readonly fetchMs?: number | false;
  /** A member that lost its group membership (all partitions revoked or lost, or the broker dropped it) and has not rejoined within this long is `MEMBERSHIP_LOST`. @default 60000 */
  readonly membershipMs?: number | false;
}
