/** `platformatic`: the connector over `@platformatic/kafka` 2.x (pure JavaScript, Node 22.22+). */
import type { ErrorHint, IStreamingConnector } from "@qi/streaming";
import { Admin } from "@platformatic/kafka";
import { PlatformaticAdminDriver } from "./admin.js";
import { PlatformaticConsumerDriver } from "./consumer.js";
import { baseOptions, PLATFORMATIC_OPTION_KEYS } from "./options.js";
import { PlatformaticProducerDriver } from "./producer.js";

export const PLATFORMATIC_CONNECTOR_NAME = "platformatic";

/**
 * platformatic error classes that carry no Kafka protocol code (core classifies by the code
 * first). Its `TimeoutError` carries the network error code `PLT_KFK_NETWORK`, so the class
 * name is checked before the code.
 */
function classifyError(leaf: unknown): ErrorHint | undefined {
  if (typeof leaf !== "object" || leaf === null) return undefined;
  const { name, code } = leaf as { name?: unknown; code?: unknown };
  if (name === "TimeoutError") return { category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true };
  switch (code) {
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
    default:
      return undefined;
  }
}

export const platformaticConnector: IStreamingConnector = {
  name: PLATFORMATIC_CONNECTOR_NAME,
  // platformatic ships every codec (snappy and lz4 in WebAssembly, zstd from Node's zlib).
  capabilities: { network: true, sasl: true, seek: true, pauseResume: true, eachBatch: true, compression: ["gzip", "snappy", "lz4", "zstd"], idempotentProducer: true },
  optionKeys: PLATFORMATIC_OPTION_KEYS,
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
