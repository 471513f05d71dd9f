/**
 * Turns whatever a client library threw into a `QiError`, once, for every connector.
 *
 * Order: an existing `QiError` passes through; otherwise the error is unwrapped to its leaves
 * (kafkajs `.cause`/`.originalError`, aggregate `.errors`, platformatic nested errors), a leaf
 * with a Kafka protocol code wins (the numbers are the same in every client), then the
 * connector's own hint for client-specific classes and codes, then Node's network error codes,
 * then a generic `INTERNAL`.
 */
import { describeThrown } from "../input/read.js";
import { kafkaErrorByCode, kafkaErrorByName } from "./kafka-codes.js";
import { isQiError, qiError, withContext, type ErrorCategory, type ErrorContext, type QiError } from "./qi-error.js";

/** What a connector can say about an error that carries no protocol code. */
export interface ErrorHint {
  /** The category to report. */
  readonly category: ErrorCategory;
  /** The stable code to report, upper snake case. */
  readonly code: string;
  /** Whether the call may succeed later. @default false */
  readonly retriable?: boolean;
}

/** A connector's classifier for its client's own error classes; `undefined` when unsure. */
export type ErrorHinter = (leaf: unknown) => ErrorHint | undefined;

const NETWORK_CODES: Record<string, ErrorHint> = {
  ECONNREFUSED: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true },
  ECONNRESET: { category: "CONNECTION", code: "CONNECTION_RESET", retriable: true },
  EPIPE: { category: "CONNECTION", code: "CONNECTION_RESET", retriable: true },
  ENOTFOUND: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true },
  EAI_AGAIN: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true },
  EHOSTUNREACH: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true },
  ENETUNREACH: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true },
  ETIMEDOUT: { category: "TIMEOUT", code: "TIMEOUT", retriable: true },
};

/** A property of a thrown value; undefined when absent or when reading it throws (a getter, a revoked Proxy). */
function field(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** The chain of nested errors, outermost first, depth-limited against cycles. */
export function unwrapError(error: unknown): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (e === undefined || e === null || seen.has(e) || depth > 8) return;
    seen.add(e);
    out.push(e);
    for (const key of ["cause", "originalError", "error"]) visit(field(e, key), depth + 1);
    // Lists of causes: `errors` (AggregateError, kafkajs retries), and the per-item results a
    // client puts its broker errors in (kafkajs's deleteGroups: `groups[].error`,
    // deleteTopicRecords: `partitions[].error`).
    for (const key of ["errors", "groups", "partitions"]) {
      const nested = field(e, key);
      try {
        if (Array.isArray(nested)) for (let i = 0; i < nested.length && i < 100; i++) if (typeof nested[i] === "object") visit(nested[i], depth + 1);
      } catch {
        // An array whose reads throw: the leaves read so far are kept.
      }
    }
  };
  visit(error, 0);
  return out;
}

/** The protocol error a leaf carries, by number or by name. */
function protocolHint(leaf: unknown): ErrorHint & { kafkaCode: string; kafkaErrorCode: number } | undefined {
  for (const key of ["apiCode", "errorCode", "code"]) {
    const n = field(leaf, key);
    if (typeof n === "number" && n !== 0) {
      // librdkafka's negative codes below -1 are client-internal, not protocol codes.
      const entry = n >= -1 ? kafkaErrorByCode(n) : undefined;
      if (entry) return { ...entry, code: entry.qiCode, kafkaCode: entry.name, kafkaErrorCode: entry.code };
    }
  }
  for (const key of ["type", "apiId"]) {
    const name = field(leaf, key);
    if (typeof name === "string") {
      const entry = kafkaErrorByName(name);
      if (entry) return { ...entry, code: entry.qiCode, kafkaCode: entry.name, kafkaErrorCode: entry.code };
    }
  }
  return undefined;
}

/** What the value says: its message, or what was thrown (`String()` of some values throws: never used). */
function messageOf(error: unknown): string {
  return describeThrown(error);
}

/** A copy of a QiError-shaped value from elsewhere, read defensively; undefined when it cannot be read. */
function ownQiError(error: unknown, context: ErrorContext): QiError | undefined {
  try {
    if (!isQiError(error)) return undefined;
    return withContext(error, context);
  } catch {
    return undefined;
  }
}

/**
 * Classifies any thrown value as a `QiError`.
 * @param error the value a client threw or rejected with
 * @param context where it happened (connector, operation, topic, ...)
 * @param hinter the connector's classifier for its client's own error classes
 */
export function toQiError(error: unknown, context: ErrorContext = {}, hinter?: ErrorHinter): QiError {
  try {
    return classify(error, context, hinter);
  } catch {
    // Unreachable by design (every read above is guarded); kept so this function never throws.
    return qiError("INTERNAL", "UNEXPECTED_ERROR", messageOf(error), { context, cause: error });
  }
}

function hintOf(hinter: ErrorHinter | undefined, leaf: unknown): ErrorHint | undefined {
  if (!hinter) return undefined;
  try {
    const hint = hinter(leaf);
    return hint !== undefined && typeof hint.category === "string" && typeof hint.code === "string" ? hint : undefined;
  } catch {
    return undefined; // a connector's classifier that throws is no hint
  }
}

function classify(error: unknown, context: ErrorContext, hinter: ErrorHinter | undefined): QiError {
  const own = ownQiError(error, context);
  if (own) return own;
  const chain = unwrapError(error);
  // Deepest protocol code wins: the outer layers are retry wrappers around it.
  for (const leaf of [...chain].reverse()) {
    const hint = protocolHint(leaf);
    if (hint) {
      return qiError(hint.category, hint.code, messageOf(leaf), {
        retriable: hint.retriable ?? false,
        context: { ...context, kafkaCode: hint.kafkaCode, kafkaErrorCode: hint.kafkaErrorCode },
        cause: error,
      });
    }
  }
  for (const leaf of [...chain].reverse()) {
    const hint = hintOf(hinter, leaf);
    if (hint) return qiError(hint.category, hint.code, messageOf(leaf), { retriable: hint.retriable ?? false, context, cause: error });
  }
  for (const leaf of [...chain].reverse()) {
    const code = field(leaf, "code");
    const hint = typeof code === "string" ? NETWORK_CODES[code] : undefined;
    if (hint) return qiError(hint.category, hint.code, messageOf(leaf), { retriable: hint.retriable ?? false, context, cause: error });
  }
  const last = chain[chain.length - 1] ?? error;
  return qiError("INTERNAL", "UNEXPECTED_ERROR", messageOf(last), { context, cause: error });
}

/** Wraps a failure of user code (a handler, a callback) as a `HANDLER` error. */
export function handlerError(error: unknown, context: ErrorContext = {}): QiError {
  const own = ownQiError(error, context);
  if (own) return own;
  return qiError("HANDLER", "HANDLER_FAILED", `handler failed: ${messageOf(error)}`, { context, cause: error });
}
