/**
 * `memory`: the embedded default connector. Real Kafka semantics in one process (partitions,
 * offsets, groups with rebalancing, commits, seek, pause) and no broker, for the demo and for
 * users' own unit tests.
 */
import type { IStreamingConnector } from "../connector.js";
import { memoryCluster } from "./cluster.js";
import { MemoryAdminDriver } from "./admin.js";
import { MemoryConsumerDriver } from "./consumer.js";
import { MEMORY_OPTION_KEYS, MEMORY_OPTIONS_SCHEMA, memoryOptions } from "./options.js";
import { MemoryProducerDriver } from "./producer.js";

import { MEMORY_CONNECTOR_NAME } from "./name.js";

/**
 * The embedded default connector: an in-process Kafka (partitions, offsets, groups with
 * rebalancing, commits, seek, pause) for demos and unit tests. Options: `MemoryOptions`.
 */
export const memoryConnector: IStreamingConnector = {
  name: MEMORY_CONNECTOR_NAME,
  capabilities: {
    network: false,
    seek: true,
    pauseResume: true,
    eachBatch: true,
    idempotentProducer: true,
    topicConfigs: true,
    transactions: true,
    // Every codec a Kafka connector accepts, so a program tested on memory runs the same on Kafka:
    // the records are stored uncompressed, which no consumer can tell apart.
    compression: ["gzip", "snappy", "lz4", "zstd"],
    // Both group protocols, with one in-process behaviour (there is no wire protocol to differ):
    // a program written for `groupProtocol: "consumer"` runs its tests on memory unchanged.
    groupProtocols: ["classic", "consumer"],
  },
  optionKeys: MEMORY_OPTION_KEYS,
  optionsSchema: MEMORY_OPTIONS_SCHEMA,
  createProducer(context, config) {
    const options = memoryOptions(context.config);
    return new MemoryProducerDriver(memoryCluster(options.cluster), options.autoCreateTopics, config);
  },
  createConsumer(context, config) {
    const options = memoryOptions(context.config);
    return new MemoryConsumerDriver(memoryCluster(options.cluster), context.config.clientId, config, options.autoCreateTopics);
  },
  createAdmin(context) {
    return new MemoryAdminDriver(memoryCluster(memoryOptions(context.config).cluster));
  },
  async healthCheck() {
    return true;
  },
};
