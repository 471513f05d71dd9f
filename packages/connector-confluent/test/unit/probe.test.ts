// The connect probe (native.ts): the librdkafka properties of its client (the library's
// lower-level API) and its bound on a closed port. No broker needed.
import { createRequire } from "node:module";
import { isQiError } from "@qi/streaming";
import { describe, expect, test } from "vitest";
import { probe, Session } from "../../src/native.js";
import { kafkaJsCommon, librdkafkaProperties, lowLevelProperties } from "../../src/options.js";

type Resolved = Parameters<typeof lowLevelProperties>[0];

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
const secret = (value: string) => ({ reveal: () => value });
const resolved = (over: object): Resolved =>
  ({
    connectorName: "confluent",
    clientId: "qi-test",
    brokers: ["127.0.0.1:1", "127.0.0.1:2"],
    connectionTimeout: 1000,
    requestTimeout: 30_000,
    retry: { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 30_000 },
    security: {},
    options: {},
    logger: silentLogger,
    logLevel: "warn",
    telemetry: false,
    ...over,
  }) as unknown as Resolved;

// The client's own mapping of its kafkaJS block. Internal to the client: this test fails if it
// moves or changes, and the probe's properties are then to be checked again.
const { kafkaJSToRdKafkaConfig } = createRequire(import.meta.url)("@confluentinc/kafka-javascript/lib/kafkajs/_common.js") as {
  kafkaJSToRdKafkaConfig: (config: Record<string, unknown>) => Record<string, unknown>;
};

describe("the probe's librdkafka properties", () => {
  test("are those the client's KafkaJS layer makes of our kafkaJS block, then ours and the user's", () => {
    const configs = [
      resolved({}),
      resolved({ security: { sasl: { mechanism: "plain", username: "u", password: secret("p") } }, connectionTimeout: 3000, requestTimeout: 2000 }),
      resolved({ security: { sasl: { mechanism: "scram-sha-256", username: "u", password: secret("p") }, ssl: true } }),
      resolved({ security: { ssl: { rejectUnauthorized: false } }, logLevel: "debug", options: { "linger.ms": 5, "js.consumer.max.batch.size": 10 } }),
      resolved({ logLevel: "error", retry: { retries: 0, initialRetryTimeMs: 100, maxRetryTimeMs: 200 } }),
    ];
    for (const config of configs) {
      const client = kafkaJSToRdKafkaConfig(kafkaJsCommon(config));
      expect(lowLevelProperties(config)).toEqual({ ...client, "reconnect.backoff.ms": 20, ...librdkafkaProperties(config, "other") });
    }
  });

  test("the user's reconnect.backoff.ms wins; the log level is at least LOG_ERR (a wrong password is told by its line)", () => {
    expect(lowLevelProperties(resolved({ options: { "reconnect.backoff.ms": 250 } }))["reconnect.backoff.ms"]).toBe(250);
    expect(lowLevelProperties(resolved({ logLevel: "silent" })).log_level).toBe(3);
    expect(lowLevelProperties(resolved({ logLevel: "info" })).log_level).toBe(6);
  });
});

describe("probe", () => {
  test("of a closed port fails with BROKER_UNREACHABLE at the connect limit (connectionTimeout + min(requestTimeout, 5 s))", async () => {
    const config = resolved({ brokers: ["127.0.0.1:1"], connectionTimeout: 400, requestTimeout: 300 });
    const started = Date.now();
    const error = await probe(config, new Session()).then(() => undefined, (e: unknown) => e);
    const took = Date.now() - started;
    expect(isQiError(error) && { category: error.category, code: error.code }).toEqual({ category: "CONNECTION", code: "BROKER_UNREACHABLE" });
    expect(took).toBeGreaterThanOrEqual(690);
    expect(took).toBeLessThan(1500);
  });

  test("within the limit it is given (the health check's: connectionTimeout)", async () => {
    const config = resolved({ brokers: ["127.0.0.1:1"], connectionTimeout: 300, requestTimeout: 5000 });
    const started = Date.now();
    await expect(probe(config, new Session(), config.connectionTimeout)).rejects.toMatchObject({ code: "BROKER_UNREACHABLE" });
    expect(Date.now() - started).toBeLessThan(800);
  });
});
