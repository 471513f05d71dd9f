/**
 * Every kafkajs-specific error decision, in one place. Errors with a Kafka protocol code are
 * core's table; this file names kafkajs's own classes that carry none, and the few questions the
 * drivers ask about an error (a missing topic, an unreachable broker).
 */
import { isFencing, kafkaErrorByCode, kafkaErrorByName, toQiError, unwrapError, type ErrorHint } from "@qi/streaming/connector";

const BROKER_UNREACHABLE: ErrorHint = { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true };
const REQUEST_TIMED_OUT: ErrorHint = { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true };
const SASL_FAILED: ErrorHint = { category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false };

/** kafkajs's `admin.setOffsets` refuses a group that has members: the broker's NON_EMPTY_GROUP, said in words. */
const GROUP_HAS_MEMBERS = /consumer group must have no running instances/i;
const nonEmptyGroup = kafkaErrorByName("NON_EMPTY_GROUP")!;
const NON_EMPTY_GROUP: ErrorHint = { category: nonEmptyGroup.category, code: nonEmptyGroup.qiCode, retriable: nonEmptyGroup.retriable };

/**
 * kafkajs's "Failed to find group coordinator": no broker said where a group's or transactional
 * id's coordinator is (kafkajs asked each, ran out of retries and dropped their errors): the
 * broker's COORDINATOR_NOT_AVAILABLE, said by the client.
 */
const coordinatorNotAvailable = kafkaErrorByName("COORDINATOR_NOT_AVAILABLE")!;
const COORDINATOR_NOT_AVAILABLE: ErrorHint = { category: coordinatorNotAvailable.category, code: coordinatorNotAvailable.qiCode, retriable: coordinatorNotAvailable.retriable };

/**
 * kafkajs 2.2.4's table of protocol errors stops at code 88: a newer code (90 PRODUCER_FENCED
 * among them) becomes type KAFKAJS_UNKNOWN_ERROR_CODE, code -99, the number only in the message.
 */
const UNKNOWN_CODE = /^Unknown error code (\d+)$/;

/** The driver's own error: its kafkajs producer cannot go on (see `transactions.ts`). */
export class KafkajsProducerUnusableError extends Error {
  override readonly name = "KafkajsProducerUnusableError";
}

const PRODUCER_UNUSABLE: ErrorHint = { category: "STATE", code: "CLIENT_FATAL_ERROR", retriable: false };


/** kafkajs error classes that carry no Kafka protocol code; `undefined` leaves the error to core. */
export function classifyError(leaf: unknown): ErrorHint | undefined {
  const { name, message, type } = (typeof leaf === "object" && leaf !== null ? leaf : {}) as { name?: unknown; message?: unknown; type?: unknown };
  if (type === "KAFKAJS_UNKNOWN_ERROR_CODE" && typeof message === "string") {
    const entry = kafkaErrorByCode(Number(UNKNOWN_CODE.exec(message)?.[1]));
    if (entry) return { category: entry.category, code: entry.qiCode, retriable: entry.retriable };
  }
  switch (name) {
    case "KafkajsProducerUnusableError":
      return PRODUCER_UNUSABLE;
    case "KafkaJSConnectionError":
    case "KafkaJSBrokerNotFound":
    case "KafkaJSConnectionClosedError":
      return BROKER_UNREACHABLE;
    case "KafkaJSRequestTimeoutError":
    case "KafkaJSTimeout":
      return REQUEST_TIMED_OUT;
    case "KafkaJSSASLAuthenticationError":
      return SASL_FAILED;
    case "KafkaJSGroupCoordinatorNotFound":
      return COORDINATOR_NOT_AVAILABLE;
    case "KafkaJSNonRetriableError":
      return typeof message === "string" && GROUP_HAS_MEMBERS.test(message) ? NON_EMPTY_GROUP : undefined;
    default:
      return undefined;
  }
}

/** kafkajs's answer to metadata of a topic that does not exist. */
export function isUnknownTopic(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === "UNKNOWN_TOPIC_OR_PARTITION";
}

/** The broker cannot be reached (or does not answer): waiting for kafkajs's own restart would outlast every timeout. */
export function isUnreachable(error: unknown): boolean {
  const { category } = toQiError(error, {}, classifyError);
  return category === "CONNECTION" || category === "TIMEOUT";
}

/**
 * The broker no longer accepts this producer id's sequence numbers. kafkajs (2.2.4) keeps them
 * until its producer is replaced: after a broker restart every send then fails the same way
 * (kafkajs issue #598), where Java's producer takes a new producer id or epoch.
 */
const STALE_PRODUCER_ID = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"]);

/** A send failed because of its producer id: as kafkajs throws it, or nested in its retry wrappers. */
export function needsNewProducerId(error: unknown): boolean {
  return unwrapError(error).some((leaf) => STALE_PRODUCER_ID.has((leaf as { type?: unknown }).type as string));
}

/** The producer was fenced: a newer producer took its transactional id (47 or 90, as kafkajs reports them). */
export function isFencingError(error: unknown): boolean {
  return isFencing(toQiError(error, {}, classifyError));
}

/**
 * The transaction coordinator answered that it did not do the request (it moved, is loading, or
 * is still completing the previous transaction): nothing of it happened, and it may be tried again.
 */
const NOT_DONE = new Set(["NOT_COORDINATOR", "COORDINATOR_NOT_AVAILABLE", "COORDINATOR_LOAD_IN_PROGRESS", "CONCURRENT_TRANSACTIONS"]);

/** A coordinator's answer that nothing was done and a retry may succeed. */
export function coordinatorNotDone(error: unknown): boolean {
  return unwrapError(error).some((leaf) => NOT_DONE.has((leaf as { type?: unknown }).type as string));
}

/**
 * A coordinator's answer that it refused the commit or abort (so it did not apply it), as opposed
 * to no answer (a timeout, a lost connection), after which the outcome is unknown.
 */
const REFUSED = new Set([...NOT_DONE, "INVALID_TXN_STATE", "INVALID_PRODUCER_ID_MAPPING"]);

/**
 * The end of a transaction was not applied: the coordinator refused it, or kafkajs found no
 * coordinator to send it to (it looks the coordinator up before each EndTxn).
 */
export function endRefused(error: unknown): boolean {
  return unwrapError(error).some((leaf) => REFUSED.has((leaf as { type?: unknown }).type as string) || (leaf as { name?: unknown }).name === "KafkaJSGroupCoordinatorNotFound");
}
