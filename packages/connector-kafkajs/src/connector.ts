/** `kafkajs`: the connector over kafkajs 2.2 (pure JavaScript). Names the drivers; the mapping lives in them. */
import type { IStreamingConnector } from "@qi/streaming/connector";
import { Kafka } from "kafkajs";
import { KafkajsAdminDriver } from "./admin.js";
import { KafkajsConsumerDriver } from "./consumer.js";
import { classifyError } from "./errors.js";
import { KAFKAJS_OPTION_KEYS, KAFKAJS_OPTIONS_SCHEMA, kafkaConfig } from "./options.js";
import { KafkajsProducerDriver } from "./producer.js";

export const KAFKAJS_CONNECTOR_NAME = "kafkajs";

export const kafkajsConnector: IStreamingConnector = {
  name: KAFKAJS_CONNECTOR_NAME,
  // kafkajs ships only the GZIP codec; snappy, lz4 and zstd need codec packages, so they are UNSUPPORTED.
  capabilities: { sasl: true, seek: true, pauseResume: true, eachBatch: true, compression: ["gzip"], idempotentProducer: true, topicConfigs: true, transactions: true },
  optionKeys: KAFKAJS_OPTION_KEYS,
  optionsSchema: KAFKAJS_OPTIONS_SCHEMA,
  createProducer: (context, config) => new KafkajsProducerDriver(context.config, config),
  createConsumer: (context, config) => new KafkajsConsumerDriver(context.config, config),
  createAdmin: (context) => new KafkajsAdminDriver(context.config),
  async healthCheck(context) {
    const admin = new Kafka(kafkaConfig(context.config, { retries: 0 })).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
  classifyError,
};
