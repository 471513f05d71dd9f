/** `platformatic`: the connector over `@platformatic/kafka` 2.x (pure JavaScript, Node 22.22+). */
import type { IStreamingConnector } from "@qi/streaming/connector";
import { Admin } from "@platformatic/kafka";
import { PlatformaticAdminDriver } from "./admin.js";
import { PlatformaticConsumerDriver } from "./consumer.js";
import { classifyError } from "./errors.js";
import { baseOptions, PLATFORMATIC_OPTION_KEYS, PLATFORMATIC_OPTIONS_SCHEMA } from "./options.js";
import { PlatformaticProducerDriver } from "./producer.js";

export const PLATFORMATIC_CONNECTOR_NAME = "platformatic";

export const platformaticConnector: IStreamingConnector = {
  name: PLATFORMATIC_CONNECTOR_NAME,
  // platformatic ships every codec (snappy and lz4 in WebAssembly, zstd from Node's zlib).
  // Group protocols: both. Under "consumer" (KIP-848) platformatic's membership stream is joined
  // and never read, and its heartbeats wait for core's revocations (consumer-protocol.ts).
  capabilities: { sasl: true, seek: true, pauseResume: true, eachBatch: true, compression: ["gzip", "snappy", "lz4", "zstd"], idempotentProducer: true, topicConfigs: true, transactions: true, groupProtocols: ["classic", "consumer"] },
  optionKeys: PLATFORMATIC_OPTION_KEYS,
  optionsSchema: PLATFORMATIC_OPTIONS_SCHEMA,
  createProducer: (context, config) => new PlatformaticProducerDriver(context.config, config),
  createConsumer: (context, config) => new PlatformaticConsumerDriver(context.config, config),
  createAdmin: (context) => new PlatformaticAdminDriver(context.config),
  async healthCheck(context) {
    const admin = new Admin(baseOptions(context.config, { retries: 0 }));
    admin.on("error", () => {});
    try {
      await admin.metadata({ topics: [] });
      return true;
    } catch {
      return false;
    } finally {
      await admin.close().catch(() => {});
    }
  },
  classifyError,
};
