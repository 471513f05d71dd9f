import { describe, expect, it } from "vitest";
import { configFromEnv, createStreamingClient, type QiError } from "./both-surfaces.js";

function refused(config: unknown): QiError {
  const r = createStreamingClient(config as never);
  expect(r.isErr()).toBe(true);
  const e = r._unsafeUnwrapErr();
  expect(e.category).toBe("VALIDATION");
  return e;
}

describe("createStreamingClient refuses mistakes that used to pass in silence", () => {
  it.each([
    [{ retry: { bogus: 1 } }, "retry.bogus"],
    [{ retry: { retires: 1 } }, "retry.retires"],
    [{ security: { sasl: { mechanism: "plain", username: "u", password: "p", bogus: 1 } } }, "security.sasl.bogus"],
    [{ security: { tls: true } }, "security.tls"],
  ])("an unknown nested key: %j names %s", (config, field) => {
    const e = refused(config);
    expect(e.context.field).toBe(field);
    expect(e.message).toContain(`${field}: is not a known option`);
  });

  it("suggests the nearest known nested key", () => {
    expect(refused({ retry: { retires: 1 } }).message).toContain("did you mean retries?");
  });

  it.each(["localhost:0", "localhost:70000", "localhost:65536"])("a port outside 1 to 65535 (%s) names the broker", (b) => {
    const e = refused({ connector: "kafkajs", brokers: ["localhost:9092", b] });
    expect(e.context.field).toBe("brokers[1]");
    expect(e.message).toContain("1 to 65535");
  });

  it("accepts the ports at the ends of the range", () => {
    expect(createStreamingClient({ connector: "kafkajs", brokers: ["localhost:1", "[::1]:65535"] }).isOk()).toBe(true);
  });

  it("a string where a number is expected says so", () => {
    const e = refused({ connectionTimeout: "1000" });
    expect(e.context.field).toBe("connectionTimeout");
    expect(e.message).toContain('expected a number, got the string "1000"');
    expect(refused({ retry: { retries: "3" } }).message).toContain('expected a number, got the string "3"');
  });

  it("brokers with no connector is an error that says to set the connector", () => {
    const e = refused({ brokers: ["localhost:9092"] });
    expect(e.context.field).toBe("connector");
    expect(e.message).toContain("QI_STREAMING_CONNECTOR");
    expect(e.message).toContain("`connector`");
  });

  it("brokers with the memory connector is an error that says what to set", () => {
    const e = refused({ connector: "memory", brokers: ["localhost:9092"] });
    expect(e.context.field).toBe("brokers");
    expect(e.message).toContain("QI_STREAMING_CONNECTOR");
  });

  it("memory with no brokers is still fine", () => {
    expect(createStreamingClient({ connector: "memory" }).isOk()).toBe(true);
    expect(createStreamingClient({ brokers: [] }).isOk()).toBe(true);
  });

  it("never shows a password that has the wrong type or is in an unknown key's object", () => {
    const e = refused({ security: { sasl: { mechanism: "plain", username: "u", password: ["hunter2-secret"] } } });
    expect(e.context.field).toBe("security.sasl.password");
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain("hunter2-secret");
  });
});

describe("configFromEnv refuses a QI_STREAMING_* variable it does not know", () => {
  it("names the variable and the nearest known one", () => {
    const e = configFromEnv({ QI_STREAMING_CONECTOR: "kafkajs", QI_STREAMING_BROKERS: "localhost:9092" })._unsafeUnwrapErr();
    expect(e).toMatchObject({ category: "VALIDATION", context: { field: "QI_STREAMING_CONECTOR" } });
    expect(e.message).toContain("did you mean QI_STREAMING_CONNECTOR?");
  });

  it("lists the known variables when none is near", () => {
    const e = configFromEnv({ QI_STREAMING_SOMETHING_ELSE_ENTIRELY: "1" })._unsafeUnwrapErr();
    expect(e.context.field).toBe("QI_STREAMING_SOMETHING_ELSE_ENTIRELY");
    expect(e.message).toContain("QI_STREAMING_CONNECTOR");
  });

  it("ignores other variables", () => {
    expect(configFromEnv({ PATH: "/bin", QI_OTHER: "x", KAFKA_BROKERS: "x" })._unsafeUnwrap()).toEqual({});
  });

  it("brokers from the environment with no connector is refused at createStreamingClient, naming the variable to set", () => {
    const e = createStreamingClient(configFromEnv({ QI_STREAMING_BROKERS: "localhost:9092" }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ category: "VALIDATION", context: { field: "connector" } });
    expect(e.message).toContain("QI_STREAMING_CONNECTOR");
  });
});

describe("connector options are checked against the connector's Standard Schema at createStreamingClient", () => {
  const withSchema = (schema: unknown) => ({
    name: "typed",
    capabilities: { network: false },
    optionKeys: ["concurrency", "token"],
    optionsSchema: schema,
    createProducer: () => ({}) as never,
    createConsumer: () => ({}) as never,
    createAdmin: () => ({}) as never,
    healthCheck: async () => true,
  });

  it("a zod schema's issue names options.<key>", async () => {
    const { z } = await import("zod");
    const connector = withSchema(z.looseObject({ concurrency: z.number({ error: "expected a number" }).optional() }));
    const e = refused({ connector, options: { concurrency: "lots" } });
    expect(e.context.field).toBe("options.concurrency");
    expect(e.message).toContain("expected a number");
    expect(createStreamingClient({ connector: connector as never, options: { concurrency: 2 } }).isOk()).toBe(true);
  });

  it("any Standard Schema works (a hand-written one here), and a secret-looking option's value is never echoed", () => {
    const schema = { "~standard": { version: 1, vendor: "hand", validate: (v: Record<string, unknown>) => ({ issues: [{ message: `bad ${String(v.token)}`, path: [{ key: "token" }] }] }) } };
    const e = refused({ connector: withSchema(schema), options: { token: "s3cret-token" } });
    expect(e.context.field).toBe("options.token");
    expect(e.message).not.toContain("s3cret-token");
  });

  it("a schema that throws or is asynchronous is a VALIDATION error, not a throw", () => {
    const throwing = { "~standard": { version: 1, vendor: "x", validate: () => { throw new Error("boom"); } } };
    expect(refused({ connector: withSchema(throwing), options: {} }).context.field).toBe("connector.optionsSchema");
    const later = { "~standard": { version: 1, vendor: "x", validate: async () => ({ value: {} }) } };
    expect(refused({ connector: withSchema(later), options: {} }).context.field).toBe("connector.optionsSchema");
  });

  it("an unknown option key suggests the nearest known one (memory)", () => {
    const e = refused({ options: { clustr: "a" } });
    expect(e.context.field).toBe("options.clustr");
    expect(e.message).toContain("did you mean cluster?");
  });

  it("the memory connector's option types are checked at createStreamingClient", () => {
    expect(refused({ options: { autoCreateTopics: "yes" } }).context.field).toBe("options.autoCreateTopics");
  });
});

describe("a producer's and a consumer's config are checked against their schemas", () => {
  const client = () => createStreamingClient({})._unsafeUnwrap();

  async function producerRefused(config: unknown): Promise<QiError> {
    const r = await client().getProducer(config as never);
    expect(r.isErr()).toBe(true);
    const e = r._unsafeUnwrapErr();
    expect(e.category).toBe("VALIDATION");
    return e;
  }

  async function consumerRefused(config: unknown): Promise<QiError> {
    const r = await client().getConsumer(config as never);
    expect(r.isErr()).toBe(true);
    const e = r._unsafeUnwrapErr();
    expect(e.category).toBe("VALIDATION");
    return e;
  }

  it("an unknown producer key names the field and the nearest known one", async () => {
    const e = await producerRefused({ lingerMss: 5 });
    expect(e.context.field).toBe("producer.lingerMss");
    expect(e.message).toContain("did you mean lingerMs?");
  });

  it("a string where a producer number is expected says so", async () => {
    const e = await producerRefused({ timeout: "1000" });
    expect(e.context.field).toBe("producer.timeout");
    expect(e.message).toContain('expected a number, got the string "1000"');
  });

  it.each([
    [{ acks: 2 }, "producer.acks", '"all", -1, 0 or 1'],
    [{ compression: "brotli" }, "producer.compression", "none, gzip, snappy, lz4 or zstd"],
    [{ lingerMs: 60_001 }, "producer.lingerMs", "0 to 60000"],
    [{ idempotent: true, acks: 1 }, "producer.idempotent", 'acks "all"'],
  ])("%j is refused naming %s", async (config, field, reason) => {
    const e = await producerRefused(config);
    expect(e.context.field).toBe(field);
    expect(e.message).toContain(reason);
  });

  it("an unknown nested consumer key names its path", async () => {
    const e = await consumerRefused({ groupId: "g", retry: { atempts: 3 } });
    expect(e.context.field).toBe("consumer.retry.atempts");
    expect(e.message).toContain("did you mean attempts?");
  });

  it.each([
    [{ groupId: "" }, "consumer.groupId", "non-empty string"],
    [{ groupId: "g", maxBatchSize: "10" }, "consumer.maxBatchSize", 'got the string "10"'],
    [{ groupId: "g", onFailure: "retry" }, "consumer.onFailure", '"stop", "skip" or { deadLetterTopic'],
    [{ groupId: "g", onFailure: { deadLetterTopic: "bad topic" } }, "consumer.onFailure.deadLetterTopic", "must be a topic name"],
    [{ groupId: "g", onError: "log" }, "consumer.onError", "must be a function"],
    [{ groupId: "g", autoCommit: "yes" }, "consumer.autoCommit", "true or false"],
  ])("%j is refused naming %s", async (config, field, reason) => {
    const e = await consumerRefused(config);
    expect(e.context.field).toBe(field);
    expect(e.message).toContain(reason);
  });

  it("a good role config is accepted", async () => {
    expect((await client().getProducer({ acks: "all", lingerMs: 0, compression: "gzip" })).isOk()).toBe(true);
    expect((await client().getConsumer({ groupId: "g", retry: { attempts: 2 }, onFailure: { deadLetterTopic: "dlq" }, onError: () => {} })).isOk()).toBe(true);
  });
});
