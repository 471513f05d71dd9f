/** How kafkajs errors without a protocol code are classified (the rest is core's table). */
import type { ErrorHint } from "@qi/streaming";

/** kafkajs error classes that carry no Kafka protocol code. */
export function classifyError(leaf: unknown): ErrorHint | undefined {
  const name = (leaf as { name?: unknown } | null)?.name;
  switch (name) {
    case "KafkaJSConnectionError":
    case "KafkaJSBrokerNotFound":
    case "KafkaJSConnectionClosedError":
      return { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true };
    case "KafkaJSRequestTimeoutError":
    case "KafkaJSTimeout":
      return { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true };
    case "KafkaJSSASLAuthenticationError":
      return { category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false };
    case "KafkaJSNonRetriableError":
    case "KafkaJSNumberOfRetriesExceeded":
      return undefined;
    default:
      return undefined;
  }
}

