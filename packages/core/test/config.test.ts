import { describe, expect, it } from "vitest";
import { configFromEnv, createStreamingClient } from "./both-surfaces.js";
import { Secret, revealSecret } from "../src/config/secrets.js";

describe("createStreamingClient config validation", () => {
  it("defaults to the memory connector", () => {
    expect(createStreamingClient()._unsafeUnwrap().connectorName).toBe("memory");
  });

  it.each([
    [{ brokers: "localhost:9092" }, "brokers"],
    [{ brokers: ["nohost"] }, "brokers[0]"],
    [{ connectionTimeout: -1 }, "connectionTimeout"],
    [{ requestTimeout: 1.5 }, "requestTimeout"],
    [{ retry: { retries: "3" } }, "retry.retries"],
    [{ clientId: "has space" }, "clientId"],
    [{ connector: "nope" }, "connector"],
    [{ connector: "kafkajs" }, "brokers"],
    [{ security: { sasl: { mechanism: "gssapi", username: "u", password: "p" } } }, "security.sasl.mechanism"],
    [{ security: { sasl: { mechanism: "plain", username: "u" } } }, "security.sasl.password"],
    [{ logger: { info: () => {} } }, "logger.debug"],
    [{ unknownKey: 1 }, "unknownKey"],
  ])("rejects %j naming the field %s", (config, field) => {
    const r = createStreamingClient(config as never);
    expect(r.isErr()).toBe(true);
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field } });
    expect(r._unsafeUnwrapErr().message).toContain(field);
  });

  it("never echoes a password in a validation error", () => {
    const r = createStreamingClient({ security: { sasl: { mechanism: "plain", username: "", password: "hunter2-secret" } } });
    expect(JSON.stringify(r._unsafeUnwrapErr())).not.toContain("hunter2-secret");
  });

  it("rejects options the connector does not know at createStreamingClient", () => {
    const r = createStreamingClient({ options: { bogus: true } });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "options.bogus" } });
  });
});

describe("configFromEnv", () => {
  it("reads every field from QI_STREAMING_* variables", () => {
    const r = configFromEnv({
      QI_STREAMING_CONNECTOR: "kafkajs",
      QI_STREAMING_CLIENT_ID: "app",
      QI_STREAMING_BROKERS: "127.0.0.1:9092, 127.0.0.1:9093",
      QI_STREAMING_CONNECTION_TIMEOUT_MS: "2000",
      QI_STREAMING_REQUEST_TIMEOUT_MS: "5000",
      QI_STREAMING_RETRY_RETRIES: "2",
      QI_STREAMING_RETRY_INITIAL_MS: "100",
      QI_STREAMING_RETRY_MAX_MS: "1000",
      QI_STREAMING_SASL_MECHANISM: "SCRAM-SHA-256",
      QI_STREAMING_SASL_USERNAME: "u",
      QI_STREAMING_SASL_PASSWORD: "p",
      QI_STREAMING_SSL: "true",
      QI_STREAMING_OPTIONS: '{"a":1}',
    });
    // The password comes back held in a Secret (it prints [hidden]); reveal() reads it.
    expect(r._unsafeUnwrap().security?.sasl?.password).toBeInstanceOf(Secret);
    expect(revealSecret(r._unsafeUnwrap().security?.sasl?.password)).toBe("p");
    expect(r._unsafeUnwrap()).toEqual({
      connector: "kafkajs",
      clientId: "app",
      brokers: ["127.0.0.1:9092", "127.0.0.1:9093"],
      connectionTimeout: 2000,
      requestTimeout: 5000,
      retry: { retries: 2, initialRetryTimeMs: 100, maxRetryTimeMs: 1000 },
      security: { sasl: { mechanism: "scram-sha-256", username: "u", password: expect.any(Secret) }, ssl: true },
      options: { a: 1 },
    });
  });

  it("gives an empty config (memory) for an empty environment", () => {
    expect(configFromEnv({})._unsafeUnwrap()).toEqual({});
  });

  it.each([
    ["QI_STREAMING_CONNECTION_TIMEOUT_MS", "soon"],
    ["QI_STREAMING_SSL", "maybe"],
    ["QI_STREAMING_OPTIONS", "[1]"],
  ])("names the variable %s when it is malformed", (name, value) => {
    const r = configFromEnv({ [name]: value });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: name } });
  });

  it("is accepted as a Result by createStreamingClient", () => {
    expect(createStreamingClient(configFromEnv({ QI_STREAMING_CONNECTION_TIMEOUT_MS: "x" })).isErr()).toBe(true);
    expect(createStreamingClient(configFromEnv({}))._unsafeUnwrap().connectorName).toBe("memory");
  });
});

describe("producer defaults", () => {
  it("are idempotent with acks all where the connector supports it, and not where it does not", async () => {
    const { resolveProducerConfig } = await import("../src/config/roles.js");
    const client = { requestTimeout: 30_000, retries: 5, idempotentCapable: true };
    expect(resolveProducerConfig(undefined, client)).toMatchObject({ acks: -1, idempotent: true, timeout: 30_000, lingerMs: 0 });
    expect(resolveProducerConfig(undefined, { ...client, idempotentCapable: false })).toMatchObject({ acks: -1, idempotent: false });
    expect(resolveProducerConfig({ acks: 1 }, client)).toMatchObject({ acks: 1, idempotent: false });
    expect(resolveProducerConfig({ idempotent: false }, client)).toMatchObject({ idempotent: false });
    // As in Java (KIP-679): a conflicting setting turns the default off rather than failing.
    expect(resolveProducerConfig(undefined, { ...client, retries: 0 })).toMatchObject({ idempotent: false });
  });

  it("refuse idempotent writes with acks other than all", async () => {
    const { createStreamingClient } = await import("./both-surfaces.js");
    const client = createStreamingClient()._unsafeUnwrap();
    const r = await client.getProducer({ idempotent: true, acks: 1 });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION" });
    expect(r._unsafeUnwrapErr().message).toContain('acks "all"');
    const noRetries = createStreamingClient({ retry: { retries: 0 } })._unsafeUnwrap();
    expect((await noRetries.getProducer({ idempotent: true }))._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "producer.idempotent" } });
  });
});

describe("consumer memory budget", () => {
  it("defaults to 4 MiB, split into fetch sizes: an eighth per partition, 16 KiB to 1 MiB", async () => {
    const { fetchBudget, resolveConsumerConfig } = await import("../src/config/roles.js");
    const resolved = resolveConsumerConfig({ groupId: "g" }, 30_000);
    expect(resolved.maxBufferedBytes).toBe(4 * 1024 * 1024);
    expect(fetchBudget(resolved)).toEqual({ maxBytes: 4_194_304, maxBytesPerPartition: 524_288 });
    expect(fetchBudget({ maxBufferedBytes: 64 * 1024 * 1024 })).toEqual({ maxBytes: 67_108_864, maxBytesPerPartition: 1_048_576 });
    expect(fetchBudget({ maxBufferedBytes: 65_536 })).toEqual({ maxBytes: 65_536, maxBytesPerPartition: 16_384 });
    expect(fetchBudget({ maxBufferedBytes: 1000 })).toEqual({ maxBytes: 1000, maxBytesPerPartition: 1000 });
  });

  it("accepts a positive integer, and names the field otherwise", async () => {
    const { createStreamingClient } = await import("./both-surfaces.js");
    const client = createStreamingClient()._unsafeUnwrap();
    expect((await client.getConsumer({ groupId: "g", maxBufferedBytes: 1_048_576 })).isOk()).toBe(true);
    for (const bad of [0, -1, 1.5, "4mb", 2 ** 31]) {
      const r = await client.getConsumer({ groupId: "g", maxBufferedBytes: bad as number });
      expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "consumer.maxBufferedBytes" } });
    }
  });
});
