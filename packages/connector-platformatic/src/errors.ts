/**
 * Every error mapping of the platformatic connector. Core classifies by the Kafka protocol code
 * first; what platformatic raises without one (its own error classes and codes, and the plain
 * `UserError` it turns an unknown topic into) is classified here.
 */
import type { ErrorHint } from "@qi/streaming/connector";
import { findErrorBy, TimeoutError } from "@platformatic/kafka";

/** The protocol's UNKNOWN_TOPIC_OR_PARTITION. */
const UNKNOWN_TOPIC_OR_PARTITION = 3;
/** The protocol's OFFSET_OUT_OF_RANGE, in a fetch response's partition. */
export const OFFSET_OUT_OF_RANGE = 1;

/** platformatic's message when a metadata answer says a topic does not exist. */
const UNKNOWN_TOPIC = /^Unknown topic /;

/** platformatic turns UNKNOWN_TOPIC_OR_PARTITION in a metadata answer into a plain UserError. */
export function isUnknownTopic(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (findErrorBy(error, "apiCode", UNKNOWN_TOPIC_OR_PARTITION)) return true;
  return (error as { code?: unknown }).code === "PLT_KFK_USER" && UNKNOWN_TOPIC.test(error.message);
}

/** Which of `topics` an unknown-topic error names (platformatic names one in its message). */
export function unknownTopicOf(error: unknown, topics: readonly string[]): string | undefined {
  const text = error instanceof Error ? error.message : String(error);
  return topics.find((t) => text.includes(`Unknown topic ${t}.`));
}

/**
 * platformatic error classes that carry no Kafka protocol code. Its `TimeoutError` carries the
 * network error code `PLT_KFK_NETWORK` (and the `name` "Error"), so its class is checked before the code.
 */
export function classifyError(leaf: unknown): ErrorHint | undefined {
  if (typeof leaf !== "object" || leaf === null) return undefined;
  if (leaf instanceof TimeoutError) return { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true };
  switch ((leaf as { code?: unknown }).code) {
    case "PLT_KFK_TIMEOUT":
      return { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true };
    case "PLT_KFK_NETWORK":
      return { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true };
    case "PLT_KFK_AUTHENTICATION":
      return { category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false };
    case "PLT_KFK_UNSUPPORTED_COMPRESSION":
    case "PLT_KFK_UNSUPPORTED_API":
    case "PLT_KFK_UNSUPPORTED":
      return { category: "UNSUPPORTED", code: "UNSUPPORTED_BY_BROKER", retriable: false };
    case "PLT_KFK_USER":
      // The same as the protocol's UNKNOWN_TOPIC_OR_PARTITION (so core also drops its cached count).
      return leaf instanceof Error && UNKNOWN_TOPIC.test(leaf.message) ? { category: "NOT_FOUND", code: "TOPIC_NOT_FOUND", retriable: true } : undefined;
    default:
      return undefined;
  }
}
