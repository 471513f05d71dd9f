/**
 * Runs a user handler with retries: exponential back-off with jitter, abortable so that
 * `disconnect()` never waits out a back-off. A handler fails by throwing, rejecting, or
 * returning an `err` Result.
 */
import type { HandlerRetryConfig } from "../config/types.js";
import { qiError } from "../errors/qi-error.js";
import type { HandlerContext } from "../interfaces.js";

export const HANDLER_RETRY_DEFAULTS: Required<HandlerRetryConfig> = { attempts: 3, initialBackoffMs: 100, maxBackoffMs: 2000 };

export type HandlerOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly aborted: boolean };

/**
 * An abortable sleep, and the signals of the attempts running: `abort()` wakes every sleeper at
 * once and aborts every running attempt's signal (the consumer's disconnect).
 */
export class Sleeper {
  private readonly wakers = new Set<() => void>();
  private readonly attempts = new Set<AttemptContext>();
  private reason: unknown;
  private aborted = false;

  /** Tracks a running attempt, whose signal `abort()` aborts (at once when already aborted). */
  track(context: AttemptContext): void {
    if (this.aborted) context.abort(this.reason);
    else this.attempts.add(context);
  }

  untrack(context: AttemptContext): void {
    this.attempts.delete(context);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Ready for a new session (the consumer connects again): attempts start with a live signal. */
  reset(): void {
    this.aborted = false;
    this.reason = undefined;
  }

  /** Wakes every sleeper and aborts every running attempt's signal with `reason`; later attempts start aborted. */
  abort(reason?: unknown): void {
    this.aborted = true;
    this.reason = reason;
    for (const wake of [...this.wakers]) wake();
    for (const attempt of [...this.attempts]) attempt.abort(reason);
    this.attempts.clear();
  }
}

/** Back-off before attempt `n + 1` (n from 1): doubling, capped, with ±20 % jitter. */
export function backoffMs(attempt: number, retry: Required<HandlerRetryConfig>): number {
  const base = Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Whether a handler's return value says it failed (an `err` Result), and why. */
export function failureOf(returned: unknown): { failed: boolean; error?: unknown } {
  if (typeof returned === "object" && returned !== null && typeof (returned as { isErr?: unknown }).isErr === "function") {
    const r = returned as { isErr(): boolean; error?: unknown };
    if (r.isErr()) return { failed: true, error: r.error ?? new Error("handler returned an error result") };
  }
  return { failed: false };
}

/**
 * The context handed to a handler. Its signal is created only when read or when a timeout is
 * set, so the common case costs no AbortController per message.
 */
export class AttemptContext implements HandlerContext {
  private controller: AbortController | undefined;

  constructor(readonly attempt: number) {}

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  abort(reason: unknown): void {
    const controller = (this.controller ??= new AbortController());
    if (!controller.signal.aborted) controller.abort(reason);
  }
}

/** Runs one attempt, failing it with `HANDLER_TIMEOUT` after `timeoutMs` (and aborting its signal). */
async function attemptOnce(handler: (context: HandlerContext) => unknown, context: AttemptContext, timeoutMs: number | undefined): Promise<unknown> {
  if (timeoutMs === undefined) return handler(context);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = qiError("HANDLER", "HANDLER_TIMEOUT", `handler attempt ${context.attempt} took longer than ${timeoutMs} ms`, { context: { attempt: context.attempt } });
      context.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `handler` until it succeeds, the attempts run out, or `aborted()` turns true. */
export async function runWithRetry(
  handler: (context: HandlerContext) => unknown,
  retry: Required<HandlerRetryConfig>,
  sleeper: Sleeper,
  aborted: () => boolean,
  timeoutMs?: number,
): Promise<HandlerOutcome> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    const context = new AttemptContext(attempt);
    sleeper.track(context);
    try {
      const returned = await attemptOnce(handler, context, timeoutMs);
      const failure = failureOf(returned);
      if (!failure.failed) return { ok: true };
      lastError = failure.error;
    } catch (error) {
      lastError = error;
    } finally {
      sleeper.untrack(context);
    }
    if (attempt < retry.attempts) {
      if (aborted()) return { ok: false, error: lastError, aborted: true };
      await sleeper.sleep(backoffMs(attempt, retry));
      if (aborted()) return { ok: false, error: lastError, aborted: true };
    }
  }
  // A last attempt that failed while the consumer stops (its signal aborted) is not a failure to act on.
  return { ok: false, error: lastError, aborted: aborted() };
}
