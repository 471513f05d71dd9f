import type { MessageOutcome } from "../messages/types.js";

/**
 * The one error type of the library. Every operation returns `Result<T, QiError>`; nothing
 * throws. Errors are plain objects (not `Error` subclasses) so they serialise and compare
 * cleanly; `cause` keeps the original client error for debugging.
 */

/** What kind of failure this is; decides what a caller can do about it. */
export type ErrorCategory =
  | "VALIDATION"
  | "CONNECTION"
  | "TIMEOUT"
  | "AUTHENTICATION"
  | "AUTHORIZATION"
  | "NOT_FOUND"
  | "CONFLICT"
  | "STATE"
  | "UNSUPPORTED"
  | "BROKER"
  | "HANDLER"
  | "INTERNAL";

/** Every `ErrorCategory`, in a stable order (for docs, metrics and exhaustive checks). */
export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
  "VALIDATION",
  "CONNECTION",
  "TIMEOUT",
  "AUTHENTICATION",
  "AUTHORIZATION",
  "NOT_FOUND",
  "CONFLICT",
  "STATE",
  "UNSUPPORTED",
  "BROKER",
  "HANDLER",
  "INTERNAL",
];

/** Where an error happened. Never holds a password, token or other secret. */
export interface ErrorContext {
  /** Connector name (`memory`, `kafkajs`, ...). */
  readonly connector?: string;
  /** The public operation, e.g. `producer.send`. */
  readonly operation?: string;
  /** The topic involved, if any. */
  readonly topic?: string;
  /** The partition involved, if any. */
  readonly partition?: number;
  /** The Kafka protocol error name, when the broker returned one. */
  readonly kafkaCode?: string;
  /** The numeric Kafka protocol error code, when the broker returned one. */
  readonly kafkaErrorCode?: number;
  /** The offending configuration field or argument, for `VALIDATION` errors. */
  readonly field?: string;
  readonly [key: string]: unknown;
}

/**
 * The error every operation returns in its `err` branch: a plain, serialisable object, not an
 * `Error` subclass. Switch on `category` to decide what to do; log `code` and `message`.
 */
export interface QiError {
  /** Stable, upper snake case: `TOPIC_NOT_FOUND`, `BROKER_UNREACHABLE`, ... */
  readonly code: string;
  /** What kind of failure: decides whether to retry, fix the input, or give up. */
  readonly category: ErrorCategory;
  /** Human-readable explanation, free of secrets. */
  readonly message: string;
  /** True when the same call may succeed if repeated later. */
  readonly retriable: boolean;
  /** Where it happened: connector, operation, topic, partition, Kafka code, field. */
  readonly context: ErrorContext;
  /** The underlying client error, if any. */
  readonly cause?: unknown;
  /**
   * On an error of `send` or `sendBatch`: what became of each message, in input order (one
   * for `send`). See `messagesToResend` and docs/delivery.md.
   */
  readonly outcomes?: readonly MessageOutcome[];
}

/** Optional parts of a `QiError`, for `qiError()`. */
export interface QiErrorOptions {
  /** Whether repeating the call may succeed. @default false */
  readonly retriable?: boolean;
  /** Where it happened. @default {} */
  readonly context?: ErrorContext;
  /** The underlying error, kept for debugging (never shown in `message`). */
  readonly cause?: unknown;
}

/** Builds a `QiError`. The one constructor every module uses. */
export function qiError(
  category: ErrorCategory,
  code: string,
  message: string,
  options: QiErrorOptions = {},
): QiError {
  const error: QiError = {
    code,
    category,
    message,
    retriable: options.retriable ?? false,
    context: options.context ?? {},
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  };
  return error;
}

/** A `VALIDATION` error that names the field and the reason. */
export function validationError(field: string, reason: string, context: ErrorContext = {}): QiError {
  return qiError("VALIDATION", "INVALID_ARGUMENT", `${field}: ${reason}`, {
    context: { ...context, field },
  });
}

/** A `STATE` error: the object is not in a state that allows the call. */
export function stateError(code: string, message: string, context: ErrorContext = {}): QiError {
  return qiError("STATE", code, message, { context });
}

/** An `UNSUPPORTED` error: never silently ignore what a backend cannot do. */
export function unsupportedError(what: string, context: ErrorContext = {}): QiError {
  return qiError("UNSUPPORTED", "UNSUPPORTED_OPERATION", `${what} is not supported by this connector`, {
    context,
  });
}

const CATEGORY_SET = new Set<string>(ERROR_CATEGORIES);

/** True for objects shaped like a `QiError` (from this or another copy of the library). */
export function isQiError(value: unknown): value is QiError {
  if (typeof value !== "object" || value === null) return false;
  try {
    const v = value as Record<string, unknown>;
    const category = v.category;
    return (
      typeof v.code === "string" &&
      typeof v.message === "string" &&
      typeof v.retriable === "boolean" &&
      typeof category === "string" &&
      CATEGORY_SET.has(category) &&
      typeof v.context === "object"
    );
  } catch {
    return false; // a value whose reads throw (a getter, a revoked Proxy) is not a QiError
  }
}

/** Adds context to an error without losing what it already carries. */
export function withContext(error: QiError, context: ErrorContext): QiError {
  return { ...error, context: { ...context, ...error.context } };
}

/** `NOT_FOUND`: the topic does not exist (and auto-creation is off). */
export function topicNotFound(topic: string, context: ErrorContext = {}): QiError {
  return qiError("NOT_FOUND", "TOPIC_NOT_FOUND", `topic "${topic}" does not exist`, {
    retriable: true,
    context: { ...context, topic, kafkaCode: "UNKNOWN_TOPIC_OR_PARTITION", kafkaErrorCode: 3 },
  });
}

/** `CONFLICT`: the topic exists already. */
export function topicAlreadyExists(topic: string, context: ErrorContext = {}): QiError {
  return qiError("CONFLICT", "TOPIC_ALREADY_EXISTS", `topic "${topic}" already exists`, {
    context: { ...context, topic, kafkaCode: "TOPIC_ALREADY_EXISTS", kafkaErrorCode: 36 },
  });
}

/** `VALIDATION`: an explicit partition the topic does not have (never silently dropped or wrapped). */
export function partitionNotFound(topic: string, partition: number, partitions: number, context: ErrorContext = {}): QiError {
  return qiError("VALIDATION", "PARTITION_NOT_FOUND", `topic "${topic}" has ${partitions} partition(s); partition ${partition} does not exist`, {
    context: { ...context, topic, partition, field: "message.partition" },
  });
}
