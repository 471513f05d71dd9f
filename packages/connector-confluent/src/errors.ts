/**
 * All of the confluent connector's error mapping, in one place. Core classifies Kafka protocol
 * codes; this file classifies what only librdkafka says: its own negative codes, the messages
 * of errors without a code, and the log lines that stand for an error (librdkafka only logs
 * authentication failures, lost brokers and fetch-loop failures, so they are read from there).
 */
import type { QiError } from "@qi/streaming";
import { qiError, type ErrorHint } from "@qi/streaming/connector";

/**
 * librdkafka's own (negative) error codes; its positive codes are Kafka protocol codes, which
 * core classifies. The client reports `retriable: false` for everything, so it is not used.
 */
const LIBRDKAFKA_CODES: Record<number, ErrorHint> = {
  [-195]: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true }, // _TRANSPORT
  [-187]: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true }, // _ALL_BROKERS_DOWN
  [-193]: { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true }, // _RESOLVE
  [-185]: { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true }, // _TIMED_OUT
  [-192]: { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true }, // _MSG_TIMED_OUT
  [-169]: { category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false }, // _AUTHENTICATION
  [-188]: { category: "NOT_FOUND", code: "TOPIC_NOT_FOUND", retriable: true }, // _UNKNOWN_TOPIC
  [-190]: { category: "VALIDATION", code: "PARTITION_NOT_FOUND", retriable: false }, // _UNKNOWN_PARTITION
  [-186]: { category: "VALIDATION", code: "INVALID_ARGUMENT", retriable: false }, // _INVALID_ARG
  [-172]: { category: "STATE", code: "INVALID_STATE", retriable: false }, // _STATE
  [-170]: { category: "UNSUPPORTED", code: "UNSUPPORTED_OPERATION", retriable: false }, // _NOT_IMPLEMENTED
  [-150]: { category: "STATE", code: "CLIENT_FATAL_ERROR", retriable: false }, // _FATAL: the client is unusable
  // _FENCED: librdkafka's fatal error for Kafka's PRODUCER_FENCED (90) and INVALID_PRODUCER_EPOCH
  // (47) answered to a transactional producer: a newer producer took its transactional id.
  [-144]: { category: "STATE", code: "PRODUCER_FENCED", retriable: false },
};
export const FATAL = -150;
export const TIMED_OUT = -185;
export const STATE = -172;
export const CONFLICT = -173;
export const PREV_IN_PROGRESS = -177;
/** A message librdkafka dropped from its queue unsent (a purge: a transaction's fatal or abortable error, a destroyed client). */
export const PURGE_QUEUE = -152;
const ALL_BROKERS_DOWN = -187;
const AUTHENTICATION = -169;

/** librdkafka refusing a property of `options` (an unknown name, a bad value) when the client is made. */
const BAD_PROPERTY = /No such configuration property|Invalid value .* for configuration property|configuration property .* (must|expects)/i;
const AUTH_MESSAGE = /SASL authentication|Authentication failed/i;
const TIMED_OUT_TEXT = /timed out/i;
const UNREACHABLE = /broker transport failure|connect|all broker connections are down/i;

/** The connector's `classifyError`: the client's errors that carry no Kafka protocol code. */
export function classifyError(leaf: unknown): ErrorHint | undefined {
  const code = (leaf as { code?: unknown } | null)?.code;
  if (typeof code === "number" && LIBRDKAFKA_CODES[code]) return LIBRDKAFKA_CODES[code];
  const message = String((leaf as { message?: unknown } | null)?.message ?? "");
  if (BAD_PROPERTY.test(message)) return { category: "VALIDATION", code: "INVALID_ARGUMENT", retriable: false };
  if (AUTH_MESSAGE.test(message)) return { category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false };
  if (TIMED_OUT_TEXT.test(message)) return { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true };
  if (UNREACHABLE.test(message)) return { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true };
  return undefined;
}

/** The admin's answer for a topic that does not exist (a partition count is then undefined). */
export function isUnknownTopic(error: unknown): boolean {
  const e = error as { type?: unknown; code?: unknown } | null;
  return e?.type === "UNKNOWN_TOPIC_OR_PARTITION" || e?.code === 3;
}

// Log lines that stand for an error of every call in progress.
const AUTH_FAILURE = /SASL authentication error|Authentication failed/i;
// Not the credentials: a SASL exchange cut off by its connection ("SASL authentication error:
// SaslAuthenticateRequest failed: Local: Broker transport failure (after 0ms in state DOWN)",
// seen with the right password: most likely librdkafka closing its bootstrap connection).
const AUTH_CUT_OFF = /Local: (Broker transport failure|Timed out|Broker handle destroyed|All broker connections are down)/i;
const TRANSPORT_FAILURE = /Connection refused|all broker connections are down|Broker transport failure/i;

/** The `AUTHENTICATION` error a log line stands for, if it reports an authentication failure. */
export function authFailure(line: string): QiError | undefined {
  if (!AUTH_FAILURE.test(line) || AUTH_CUT_OFF.test(line)) return undefined;
  return qiError("AUTHENTICATION", "SASL_AUTHENTICATION_FAILED", line.replace(/^.*?(SASL authentication error)/i, "$1"), { retriable: false });
}

/** The `CONNECTION` error a log line stands for, if it says the brokers cannot be reached. */
export function transportFailure(line: string): QiError | undefined {
  if (!TRANSPORT_FAILURE.test(line)) return undefined;
  return qiError("CONNECTION", "BROKER_UNREACHABLE", line.replace(/^.*?\]: /, ""), { retriable: true });
}

/** A connect that did not finish within the connection timeout. */
export function connectTimedOut(brokers: readonly string[], limit: number): QiError {
  return qiError("CONNECTION", "BROKER_UNREACHABLE", `could not connect to ${brokers.join(",")} within ${limit} ms`, { retriable: true });
}

/** A commit the broker did not show within the request timeout. */
export function commitNotConfirmed(timeout: number): QiError {
  return qiError("TIMEOUT", "COMMIT_NOT_CONFIRMED", `the commit was not confirmed within ${timeout} ms`, { retriable: true });
}

/**
 * Error lines of the client's fetch loop, which it only logs (and retries): they go to the
 * consumer's `onError` instead. Transient connection errors are not reported one by one, only
 * the loss of every broker (once per outage), and authentication or fatal errors.
 */
const LOOP_FAILURE = /^(Consumer encountered error while (consuming|storing offset|processing message)|Seek error|Worker \d+ encountered an error|Error in queueNonEmptyCb|Error from (user's )?rebalance callback)/;
const CLIENT_ERROR = /^Error: (.*(All broker connections are down|Authentication|fatal).*)$/i;

/** librdkafka's fatal error, as its text ("Local: Fatal error") or its log line ("Fatal error: ..."). */
const FATAL_TEXT = /Fatal error/i;

/** The error a consumer's log line stands for (classified later by `classifyError`), if any. */
export function loopError(level: string, line: string): Error | undefined {
  if (level !== "error") return undefined;
  const first = line.split("\n")[0]!;
  const client = CLIENT_ERROR.exec(first);
  if (!client && !LOOP_FAILURE.test(first)) return undefined;
  const message = client ? client[1]! : first;
  const error = new Error(message) as Error & { code?: number };
  if (FATAL_TEXT.test(message)) error.code = FATAL;
  else if (/All broker connections are down/i.test(message)) error.code = ALL_BROKERS_DOWN;
  else if (/Authentication/i.test(message)) error.code = AUTHENTICATION;
  return error;
}

/** True for librdkafka's fatal error: the client will not recover (it consumes, commits nothing more). */
export function isFatal(error: unknown): boolean {
  return codeOf(error) === FATAL;
}

/** The numeric code of a client error, if it has one. */
export function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * The fatal error a librdkafka log line announces: librdkafka logs "Fatal error: <reason>" once,
 * at severity 0 (facility FATAL), when the client becomes unusable (a static member fenced by
 * another with the same `group.instance.id`, ...).
 */
export function fatalError(severity: number, fac: string, message: string): Error | undefined {
  if (severity !== 0 || fac !== "FATAL") return undefined;
  const error = new Error(message.replace(/^\[thrd:[^\]]*\]: /, "")) as Error & { code?: number };
  error.code = FATAL;
  return error;
}
