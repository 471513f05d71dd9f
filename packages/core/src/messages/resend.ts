/**
 * What to send again after a failed `send` or `sendBatch`, from the error's per-message
 * outcomes (docs/delivery.md, "The resend rule").
 */
import type { QiError } from "../errors/qi-error.js";

/** Options of {@link messagesToResend}. */
export interface ResendOptions {
  /**
   * Also resend the messages whose outcome is unknown (handed to the client, no answer): safe
   * from duplicates only with an idempotent producer, and even then a resend is a new write.
   * Choose it when losing a message is worse than writing it twice. @default false
   */
  readonly includeUnknown?: boolean;
}

/**
 * The items of a failed call that were not written, in order: pass the batch given to
 * `sendBatch` (or `[message]` for `send`) and the error it returned. Written messages are never
 * in it. An error without outcomes (not from a send) gives every item back only when it cannot
 * have written anything (`VALIDATION`, `STATE`); otherwise none, as nothing is known.
 */
export function messagesToResend<T>(items: readonly T[], error: QiError, options: ResendOptions = {}): T[] {
  const outcomes = error.outcomes;
  if (outcomes === undefined || outcomes.length !== items.length) return error.category === "VALIDATION" || error.category === "STATE" ? [...items] : [];
  return items.filter((_, i) => {
    const status = outcomes[i]!.status;
    return status === "not-written" || (status === "unknown" && options.includeUnknown === true);
  });
}

/** True when a failed send may have written some of its messages (any written or unknown). */
export function mayHaveBeenWritten(error: QiError): boolean {
  return error.outcomes === undefined ? error.category !== "VALIDATION" && error.category !== "STATE" : error.outcomes.some((o) => o.status !== "not-written");
}
