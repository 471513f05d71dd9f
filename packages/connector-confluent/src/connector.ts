/** `confluent`: the connector over @confluentinc/kafka-javascript (librdkafka, a native addon). */
import type { ErrorHint, IStreamingConnector } from "@qi/streaming";
import { ConfluentAdminDriver } from "./admin.js";
import { ConfluentConsumerDriver } from "./consumer.js";
import { probe, Session } from "./native.js";
import { acceptsLibrdkafkaProperty, CONFLUENT_OPTION_KEYS } from "./options.js";
import { ConfluentProducerDriver } from "./producer.js";

export const CONFLUENT_CONNECTOR_NAME = "confluent";

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
};

function classifyError(leaf: unknown): ErrorHint | undefined {
  const code = (leaf as { code?: unknown } | null)?.code;
  if (typeof code === "number" && LIBRDKAFKA_CODES[code]) return LIBRDKAFKA_CODES[code];
  const message = String((leaf as { message?: unknown } | null)?.message ?? "");
  // librdkafka refusing a property of `options` (an unknown name, a bad value), when the client is made.
  if (/No such configuration property|Invalid value .* for configuration property|configuration property .* (must|expects)/i.test(message)) {
    return { category: "VALIDATION", code: "INVALID_ARGUMENT", retriable: false };
  }
  if (/SASL authentication|Authentication failed/i.test(message)) return { category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false };
  if (/timed out/i.test(message)) return { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true };
  if (/broker transport failure|connect|all broker connections are down/i.test(message)) return { category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true };
  return undefined;
}

export const confluentConnector: IStreamingConnector = {
  name: CONFLUENT_CONNECTOR_NAME,
  capabilities: { network: true, sasl: true, seek: true, pauseResume: true, eachBatch: true, compression: ["gzip", "snappy", "lz4", "zstd"], idempotentProducer: true },
  optionKeys: CONFLUENT_OPTION_KEYS,
  acceptsOption: acceptsLibrdkafkaProperty,
  createProducer: (context, config) => new ConfluentProducerDriver(context.config, config),
  createConsumer: (context, config) => new ConfluentConsumerDriver(context.config, config),
  createAdmin: (context) => new ConfluentAdminDriver(context.config),
  healthCheck: (context) => probe(context.config, new Session(), 0).then(
    () => true,
    () => false,
  ),
  classifyError,
};
