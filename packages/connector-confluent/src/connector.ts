/** `confluent`: the connector over @confluentinc/kafka-javascript (librdkafka, a native addon). */
import type { IStreamingConnector } from "@qi/streaming/connector";
import { ConfluentAdminDriver } from "./admin.js";
import { ConfluentConsumerDriver } from "./consumer.js";
import { classifyError } from "./errors.js";
import { probe, Session } from "./native.js";
import { acceptsLibrdkafkaProperty, CONFLUENT_OPTION_KEYS, CONFLUENT_OPTIONS_SCHEMA } from "./options.js";
import { ConfluentProducerDriver } from "./producer.js";

export const CONFLUENT_CONNECTOR_NAME = "confluent";

export const confluentConnector: IStreamingConnector = {
  name: CONFLUENT_CONNECTOR_NAME,
  capabilities: { sasl: true, seek: true, pauseResume: true, eachBatch: true, compression: ["gzip", "snappy", "lz4", "zstd"], idempotentProducer: true, transactions: true, groupProtocols: ["classic", "consumer"] },
  optionKeys: CONFLUENT_OPTION_KEYS,
  optionsSchema: CONFLUENT_OPTIONS_SCHEMA,
  acceptsOption: acceptsLibrdkafkaProperty,
  createProducer: (context, config) => new ConfluentProducerDriver(context.config, config),
  createConsumer: (context, config) => new ConfluentConsumerDriver(context.config, config),
  createAdmin: (context) => new ConfluentAdminDriver(context.config),
  // Within connectionTimeout, core's bound on a health check: no probe outlives it.
  healthCheck: (context) => probe(context.config, new Session(), context.config.connectionTimeout).then(
    () => true,
    () => false,
  ),
  classifyError,
};
