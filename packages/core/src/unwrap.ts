import type { Result } from "neverthrow";
import type { ErrorCategory, ErrorContext, QiError } from "./errors/qi-error.js";

/**
 * A real `Error` carrying a `QiError`'s fields, thrown by `unwrap` and by nothing else in the
 * library. `message` reads `CODE: message`, `cause` is the original client error, and `qiError`
 * is the plain error object itself (for `isQiError` checks and logging).
 */
export class QiErrorException extends Error {
  /** Always `"QiErrorException"`. */
  override readonly name = "QiErrorException";
  /** The `QiError`'s code (`TOPIC_NOT_FOUND`, `REQUEST_TIMED_OUT`, ...). */
  readonly code: string;
  /** The `QiError`'s category (`NOT_FOUND`, `TIMEOUT`, ...). */
  readonly category: ErrorCategory;
  /** Whether trying the same call again may succeed. */
  readonly retriable: boolean;
  /** Where it happened: operation, topic, partition, ... */
  readonly context: ErrorContext;
  /** The plain `QiError` itself. */
  readonly qiError: QiError;

  constructor(error: QiError) {
    super(`${error.code}: ${error.message}`, error.cause === undefined ? undefined : { cause: error.cause });
    this.code = error.code;
    this.category = error.category;
    this.retriable = error.retriable;
    this.context = error.context;
    this.qiError = error;
  }
}

/**
 * The value of an `ok` result, or a thrown `QiErrorException` (an `Error` with the `QiError`'s
 * code, category, context and cause) for an `err` result.
 *
 * The one documented exception to "nothing throws": for scripts, examples and tests, where a
 * failure should stop with a readable stack. Application code should handle the `Result`.
 *
 * ```ts
 * const producer = unwrap(client.getProducer());
 * const written = unwrap(await producer.send("orders", { value: "hello" }));
 * ```
 */
export function unwrap<T>(result: Result<T, QiError>): T {
  if (result.isOk()) return result.value;
  throw new QiErrorException(result.error);
}
