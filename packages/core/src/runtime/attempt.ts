/**
 * Result wrapping for the hot path: one native async function per call, no
 * `ResultAsync.map` chains (about 2 µs each in neverthrow 8.2, compiled to ES2015 generators).
 */
import { err, ok, ResultAsync, type Result } from "neverthrow";
import { toQiError, type ErrorHinter } from "../errors/classify.js";
import type { ErrorContext, QiError } from "../errors/qi-error.js";

/** Runs `fn`, catching synchronous throws and rejections alike, and classifies any failure. */
export function attempt<T>(fn: () => Promise<T> | T, context: ErrorContext, hinter?: ErrorHinter): ResultAsync<T, QiError> {
  return new ResultAsync(
    (async (): Promise<Result<T, QiError>> => {
      try {
        return ok(await fn());
      } catch (error) {
        return err(toQiError(error, context, hinter));
      }
    })(),
  );
}

/** Calls `fn`; a synchronous throw becomes a rejected promise (no async frame, for hot paths). */
export function promiseOf<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Rejects a promise after `ms` with a `TIMEOUT` error; clears its timer either way. One plain
 * promise per call (no async frame, no `Promise.race`). The producer's sends use a
 * `DeadlineQueue` instead (one timer for all).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => QiError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
