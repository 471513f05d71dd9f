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
  // Read defensively: given anything (a value whose reads throw included), it answers, never throws.
  try {
    if (!Array.isArray(items)) return [];
    const list = [...(items as readonly T[])];
    const outcomes: unknown = error.outcomes;
    const category: unknown = error.category;
    const includeUnknown = typeof options === "object" && options !== null && options.includeUnknown === true;
    if (!Array.isArray(outcomes) || outcomes.length !== list.length) return category === "VALIDATION" || category === "STATE" ? list : [];
    const statuses = (outcomes as unknown[]).map((o) => (typeof o === "object" && o !== null ? (o as { status?: unknown }).status : undefined));
    return list.filter((_, i) => statuses[i] === "not-written" || (statuses[i] === "unknown" && includeUnknown));
  } catch {
    return []; // nothing can be known of an unreadable error: resend nothing
  }
}

/** True when a failed send may have written some of its messages (any written or unknown). */
export function mayHaveBeenWritten(error: QiError): boolean {
  try {
    const outcomes: unknown = error.outcomes;
    if (outcomes === undefined) return error.category !== "VALIDATION" && error.category !== "STATE";
    if (!Array.isArray(outcomes)) return true;
    return (outcomes as unknown[]).some((o) => typeof o !== "object" || o === null || (o as { status?: unknown }).status !== "not-written");
  } catch {
    return true; // an unreadable error: it may have been written
  }
}
