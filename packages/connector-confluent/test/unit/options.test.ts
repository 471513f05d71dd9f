// Pass-through options and TLS options as librdkafka properties. No broker needed.
import { createStreamingClient, isQiError } from "@qi/streaming";
import { describe, expect, test } from "vitest";
import { confluentConnector } from "../../src/index.js";
import { acceptsLibrdkafkaProperty, librdkafkaProperties, tlsProperties } from "../../src/options.js";

const resolved = (over: object) => ({ security: {}, options: {}, ...over }) as Parameters<typeof librdkafkaProperties>[0];

describe("options", () => {
  test("any librdkafka-looking property is accepted, except those the connector owns", () => {
    expect(acceptsLibrdkafkaProperty("socket.connection.setup.timeout.ms")).toBe(false);
    expect(acceptsLibrdkafkaProperty("ssl.ca.location")).toBe(true);
    expect(acceptsLibrdkafkaProperty("reconnect.backoff.max.ms")).toBe(true);
    expect(acceptsLibrdkafkaProperty("group.id")).toBe(false);
    expect(acceptsLibrdkafkaProperty("partitioner")).toBe(false);
    expect(acceptsLibrdkafkaProperty("enable.auto.commit")).toBe(false);
    expect(acceptsLibrdkafkaProperty("lingerMs")).toBe(false);
    expect(acceptsLibrdkafkaProperty("Linger.ms")).toBe(false);
  });

  test("core rejects an owned or malformed key at createStreamingClient, before any client is made", () => {
    for (const key of ["group.id", "lingerMs"]) {
      const r = createStreamingClient({ connector: confluentConnector, brokers: ["127.0.0.1:1"], options: { [key]: 1 } });
      expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: `options.${key}` } });
    }
  });

  test("a property librdkafka does not know is VALIDATION when the client is made", async () => {
    const client = createStreamingClient({ connector: confluentConnector, brokers: ["127.0.0.1:1"], connectionTimeout: 300, options: { "quite.unheard.of.property": 1 } })._unsafeUnwrap();
    const producer = (await client.getProducer())._unsafeUnwrap();
    const r = await producer.connect();
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION" });
    expect(r._unsafeUnwrapErr().message).toContain("quite.unheard.of.property");
    await client.disconnect();
  });

  test("the client's js.* settings only go to a consumer", () => {
    const config = resolved({ options: { "js.consumer.max.batch.size": 10, "linger.ms": 0 } });
    expect(librdkafkaProperties(config, "consumer")).toEqual({ "js.consumer.max.batch.size": 10, "linger.ms": 0 });
    expect(librdkafkaProperties(config, "other")).toEqual({ "linger.ms": 0 });
  });

  test("TLS options become librdkafka properties; options come after them", () => {
    const ca = "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----";
    expect(tlsProperties({ ca: [ca, Buffer.from(ca)], cert: "C", key: Buffer.from("K"), passphrase: "pw", rejectUnauthorized: false })).toEqual({
      "ssl.ca.pem": `${ca}\n${ca}`,
      "ssl.certificate.pem": "C",
      "ssl.key.pem": "K",
      "ssl.key.password": "pw",
      "enable.ssl.certificate.verification": false,
      "ssl.endpoint.identification.algorithm": "none",
    });
    expect(tlsProperties({ rejectUnauthorized: true })).toEqual({});
    const config = resolved({ security: { ssl: { ca } }, options: { "ssl.ca.pem": "mine" } });
    expect(librdkafkaProperties(config, "other")).toEqual({ "ssl.ca.pem": "mine" });
  });

  test("a TLS option with no librdkafka equivalent is UNSUPPORTED", () => {
    let thrown: unknown;
    try {
      tlsProperties({ servername: "kafka" });
    } catch (error) {
      thrown = error;
    }
    expect(isQiError(thrown) && thrown.category).toBe("UNSUPPORTED");
  });
});
