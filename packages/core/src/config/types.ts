/** Configuration types. Every field also has an environment variable (see `configFromEnv`). */
import type { IStreamingConnector } from "../connector.js";
import type { Logger } from "../logger.js";

export type SaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

export interface SaslConfig {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  /** Never logged, never put in an error. */
  readonly password: string;
}

/** TLS options passed to the client (`ca`, `cert`, `key`, `rejectUnauthorized`, ...). */
export type TlsOptions = Readonly<Record<string, unknown>>;

export interface SecurityConfig {
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
  readonly retry?: RetryConfig;
  readonly security?: SecurityConfig;
  /** Passed explicitly to the client library; unknown keys are a `VALIDATION` error. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Receives the library's and the client's logs. @default warnings and errors to the console */
  readonly logger?: Logger;
  /** OpenTelemetry spans and metrics, when `@opentelemetry/api` is installed. @default true */
  readonly telemetry?: boolean;
}

/** A validated config with every default filled in: what connectors receive. */
export interface ResolvedConfig {
  readonly connectorName: string;
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly retry: Required<RetryConfig>;
  readonly security: SecurityConfig;
  readonly options: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  readonly telemetry: boolean;
}

/**
 * What to do with a message whose handler still fails after the last attempt: stop consuming
 * (the error is reported, the message is not committed), skip it (reported, committed), or
 * publish it to a dead-letter topic with its origin and the error in headers, then go on.
 */
export type FailurePolicy = "stop" | "skip" | { readonly deadLetterTopic: string };

/** Retries of a failing handler, with exponential back-off and jitter. */
export interface HandlerRetryConfig {
  /** Attempts in all, the first included. @default 3 */
  readonly attempts?: number;
  /** @default 100 */
  readonly initialBackoffMs?: number;
  /** @default 2000 */
  readonly maxBackoffMs?: number;
}

export interface ProducerConfig {
  /** `all` (-1), leader only (1) or none (0). @default "all" */
  readonly acks?: "all" | 0 | 1 | -1;
  /** Idempotent writes, where the client supports them. @default false */
  readonly idempotent?: boolean;
  /** ms a send may take before it fails with `TIMEOUT`. @default requestTimeout */
  readonly timeout?: number;
  /** @default "none" */
  readonly compression?: "none" | "gzip" | "snappy" | "lz4" | "zstd";
}

export interface ConsumerConfig {
  readonly groupId: string;
  /** ms. @default 30000 */
  readonly sessionTimeout?: number;
  /** Commit after each processed batch. When false, call `commitOffsets()`. @default true */
  readonly autoCommit?: boolean;
  /** Most messages handed to the handler per partition at a time; bigger fetches are sliced, with a commit after each slice. @default 500 */
  readonly maxBatchSize?: number;
  readonly retry?: HandlerRetryConfig;
  /** @default "stop" */
  readonly onFailure?: FailurePolicy;
  /** ms one handler attempt may take; past it the attempt fails with `HANDLER_TIMEOUT` and its signal aborts. @default no limit */
  readonly handlerTimeoutMs?: number;
  /** Called with every error the consumer cannot return from a call (handler failures, fetch errors). */
  readonly onError?: (error: import("../errors/qi-error.js").QiError) => void;
}
