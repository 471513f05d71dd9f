// From our config to platformatic's options (every client, producer, consumer). No broker needed.
import { createStreamingClient, Secret, silentLogger } from "@qi/streaming";
import { capabilitiesOf } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { platformaticConnector } from "../../src/index.js";
import { baseOptions, consumerOptions, fetchSettings, PLATFORMATIC_OPTION_KEYS, producerOptions } from "../../src/options.js";
import { resolve } from "./resolve.js";

describe("every client", () => {
  test("client id, brokers, timeouts and retries map to platformatic's names; topics are never auto-created", async () => {
    const { context } = await resolve({
      clientId: "app",
      brokers: ["a:9092", "b:9092"],
      connectionTimeout: 1234,
      requestTimeout: 5678,
      retry: { retries: 7, initialRetryTimeMs: 10, maxRetryTimeMs: 70 },
    });
    const o = baseOptions(context.config);
    expect(o).toMatchObject({ clientId: "app", bootstrapBrokers: ["a:9092", "b:9092"], connectTimeout: 1234, requestTimeout: 5678, retries: 7, autocreateTopics: false });
    expect(o).not.toHaveProperty("tls");
    expect(o).not.toHaveProperty("sasl");
    expect(baseOptions(context.config, { retries: 0 }).retries).toBe(0);
    const delay = o.retryDelay as (client: unknown, op: string, attempt: number) => number;
    expect([1, 2, 3, 4, 5].map((a) => delay(undefined, "op", a))).toEqual([10, 20, 40, 70, 70]);
  });

  test("SASL mechanisms take platformatic's names; the held password is revealed for platformatic only", async () => {
    const names = { plain: "PLAIN", "scram-sha-256": "SCRAM-SHA-256", "scram-sha-512": "SCRAM-SHA-512" } as const;
    for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as const) {
      const { context } = await resolve({ security: { sasl: { mechanism, username: "u", password: new Secret("p4ss") } } });
      expect(baseOptions(context.config).sasl).toEqual({ mechanism: names[mechanism], username: "u", password: "p4ss" });
      expect(JSON.stringify(context.config.security)).not.toContain("p4ss");
    }
  });

  test("TLS: true is platformatic's defaults, options pass through revealed", async () => {
    expect(baseOptions((await resolve({ security: { ssl: true } })).context.config).tls).toEqual({});
    const { context } = await resolve({ security: { ssl: { rejectUnauthorized: false, passphrase: "pw" } } });
    expect(baseOptions(context.config).tls).toMatchObject({ rejectUnauthorized: false, passphrase: "pw" });
  });

  test("pass-through options go to the client they belong to", async () => {
    const { context, producer, consumer } = await resolve({ options: { metadataMaxAge: 111, repeatOnStaleMetadata: false, maxWaitTime: 50, groupInstanceId: "i" } });
    expect(baseOptions(context.config)).toMatchObject({ metadataMaxAge: 111 });
    expect(baseOptions(context.config)).not.toHaveProperty("maxWaitTime");
    expect(producerOptions(context.config, producer)).toMatchObject({ metadataMaxAge: 111, repeatOnStaleMetadata: false });
    expect(producerOptions(context.config, producer)).not.toHaveProperty("groupInstanceId");
    expect(consumerOptions(context.config, consumer, async () => {})).toMatchObject({ metadataMaxAge: 111, maxWaitTime: 50, groupInstanceId: "i" });
    expect(PLATFORMATIC_OPTION_KEYS).toContain("maxBytesPerPartition");
  });

  test("an unknown option is a VALIDATION error at createStreamingClient", () => {
    const r = createStreamingClient({ connector: platformaticConnector, brokers: ["127.0.0.1:1"], logger: silentLogger, options: { nope: 1 } });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", message: expect.stringContaining("options.nope") });
  });
});

describe("producer", () => {
  test("acks default to all (-1), where platformatic's default is leader only", async () => {
    // Idempotent by default (docs/delivery.md): platformatic then forces acks all itself, and
    // the broker's sequence check makes its whole-request resend harmless.
    const defaults = await resolve();
    expect(producerOptions(defaults.context.config, defaults.producer)).toMatchObject({ idempotent: true });
    const { context, producer } = await resolve({}, { idempotent: false });
    expect(producerOptions(context.config, producer)).toMatchObject({ acks: -1, idempotent: false, compression: "none", timeout: context.config.requestTimeout });
  });

  test("acks, compression and the send timeout pass through", async () => {
    const { context, producer } = await resolve({}, { acks: 1, compression: "zstd", timeout: 999 });
    expect(producerOptions(context.config, producer)).toMatchObject({ acks: 1, compression: "zstd", timeout: 999 });
    expect((await resolve({}, { acks: 0 })).producer.acks).toBe(0);
  });

  test("idempotent: no acks given (platformatic sets all)", async () => {
    const { context, producer } = await resolve({}, { idempotent: true });
    const o = producerOptions(context.config, producer);
    expect(o.idempotent).toBe(true);
    expect(o).not.toHaveProperty("acks");
  });
});

describe("consumer", () => {
  test("group, session, heartbeat and rebalance timeouts; manual commits; fetch defaults", async () => {
    const { context, consumer } = await resolve({}, undefined, { groupId: "grp", sessionTimeout: 6000 });
    const o = consumerOptions(context.config, consumer, async () => {});
    expect(o).toMatchObject({ groupId: "grp", sessionTimeout: 6000, heartbeatInterval: 2000, rebalanceTimeout: 60_000, autocommit: false, maxWaitTime: 500, maxBytes: 4_194_304, maxBytesPerPartition: 524_288 });
    expect(consumerOptions(context.config, (await resolve({}, undefined, { groupId: "g", sessionTimeout: 90_000 })).consumer, async () => {})).toMatchObject({ heartbeatInterval: 3000, rebalanceTimeout: 90_000 });
    expect(fetchSettings(context.config, consumer)).toEqual({ maxWaitTime: 500, maxBufferedBytes: 4_194_304, maxBytes: 4_194_304, maxBytesPerPartition: 524_288 });
  });

  test("the memory budget sets the fetch sizes; options naming their own win", async () => {
    const { context, consumer } = await resolve({}, undefined, { groupId: "grp", maxBufferedBytes: 64 * 1024 * 1024 });
    expect(fetchSettings(context.config, consumer)).toEqual({ maxWaitTime: 500, maxBufferedBytes: 67_108_864, maxBytes: 67_108_864, maxBytesPerPartition: 1_048_576 });
    const own = await resolve({ options: { maxBytesPerPartition: 100_000 } }, undefined, { groupId: "grp", maxBufferedBytes: 65_536 });
    expect(fetchSettings(own.context.config, own.consumer)).toEqual({ maxWaitTime: 500, maxBufferedBytes: 65_536, maxBytes: 65_536, maxBytesPerPartition: 100_000 });
    expect(consumerOptions(own.context.config, own.consumer, async () => {})).toMatchObject({ maxBytes: 65_536, maxBytesPerPartition: 100_000 });
  });

  test("the pre-join hook is platformatic's protocolsMetadata: awaited, then empty metadata", async () => {
    const { context, consumer } = await resolve();
    let called = 0;
    const o = consumerOptions(context.config, consumer, async () => void called++);
    const metadata = await (o as unknown as { protocolsMetadata: () => Promise<Buffer> }).protocolsMetadata();
    expect(called).toBe(1);
    expect(metadata).toEqual(Buffer.alloc(0));
  });
});

test("capabilities: everything but the network default is declared", () => {
  expect(capabilitiesOf(platformaticConnector)).toEqual({
    network: true,
    sasl: true,
    seek: true,
    pauseResume: true,
    eachBatch: true,
    compression: ["gzip", "snappy", "lz4", "zstd"],
    // Both: under "consumer" the driver joins through an unread MessagesStream (src/consumer-protocol.ts).
    groupProtocols: ["classic", "consumer"],
    idempotentProducer: true,
    topicConfigs: true,
    transactions: true,
  });
  expect(platformaticConnector.capabilities).not.toHaveProperty("network");
});

describe("transactions", () => {
  test("a transactionalId goes to platformatic with idempotence; timeout stays the send timeout; none for a plain producer", async () => {
    const { context, producer } = await resolve({}, { transactionalId: "tx-1", transactionTimeoutMs: 12_345 });
    // transactionTimeoutMs is not an option: transactions.ts sends it with InitProducerId only.
    expect(producerOptions(context.config, producer)).toMatchObject({ idempotent: true, transactionalId: "tx-1", timeout: context.config.requestTimeout });
    expect(producerOptions(context.config, producer)).not.toHaveProperty("acks");
    const plain = await resolve();
    expect(producerOptions(plain.context.config, plain.producer)).not.toHaveProperty("transactionalId");
  });

  test("the consumer always passes its isolation level: platformatic defaults to read_committed, we to read_uncommitted", async () => {
    const level = async (isolationLevel?: "read_committed" | "read_uncommitted") => {
      const { context, consumer } = await resolve({}, undefined, { groupId: "g", ...(isolationLevel ? { isolationLevel } : {}) });
      return (consumerOptions(context.config, consumer, async () => {}) as { isolationLevel?: number }).isolationLevel;
    };
    expect(await level()).toBe(0);
    expect(await level("read_uncommitted")).toBe(0);
    expect(await level("read_committed")).toBe(1);
  });

  test("isolationLevel is no longer a pass-through option (the consumer config's own field sets it)", () => {
    expect(PLATFORMATIC_OPTION_KEYS).not.toContain("isolationLevel");
    const r = createStreamingClient({ connector: platformaticConnector, brokers: ["127.0.0.1:1"], logger: silentLogger, options: { isolationLevel: 1 } });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", message: expect.stringContaining("options.isolationLevel") });
  });
});

describe("idempotent producer retries", () => {
  test("are never 0 or 1, which platformatic would turn into endless retries", async () => {
    const one = await resolve({ retry: { retries: 1 } });
    expect(one.producer.idempotent).toBe(true);
    expect(producerOptions(one.context.config, one.producer)).toMatchObject({ retries: 2 });
    const plain = await resolve({ retry: { retries: 1 } }, { idempotent: false });
    expect(producerOptions(plain.context.config, plain.producer)).toMatchObject({ retries: 1 });
  });
});
