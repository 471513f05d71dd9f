// From our config to kafkajs's objects (client, producer, send, consumer). No broker needed.
import { createStreamingClient, Secret } from "@qi/streaming";
import { CompressionTypes, logLevel } from "kafkajs";
import { describe, expect, test } from "vitest";
import { kafkajsConnector } from "../../src/index.js";
import { consumerOptions, kafkaConfig, partitionsConsumedConcurrently, producerOptions, sendOptions, transactionalSendRetry } from "../../src/options.js";
import { resolve } from "./resolve.js";

describe("client config", () => {
  test("client id, brokers, timeouts and retries map to kafkajs's names", async () => {
    const { context } = await resolve({
      clientId: "app",
      brokers: ["a:9092", "b:9092"],
      connectionTimeout: 1234,
      requestTimeout: 5678,
      retry: { retries: 7, initialRetryTimeMs: 11, maxRetryTimeMs: 99 },
    });
    const kafka = kafkaConfig(context.config);
    expect(kafka).toMatchObject({
      clientId: "app",
      brokers: ["a:9092", "b:9092"],
      connectionTimeout: 1234,
      requestTimeout: 5678,
      retry: { retries: 7, initialRetryTime: 11, maxRetryTime: 99 },
      logLevel: logLevel.WARN,
    });
    expect(kafka.logCreator).toBeTypeOf("function");
    expect(kafka).not.toHaveProperty("ssl");
    expect(kafka).not.toHaveProperty("sasl");
    expect(kafkaConfig(context.config, { retries: 0 }).retry).toMatchObject({ retries: 0, initialRetryTime: 11, maxRetryTime: 99 });
  });

  test("SASL: the mechanism and user pass through, the held password is revealed for kafkajs only", async () => {
    for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as const) {
      const { context } = await resolve({ security: { sasl: { mechanism, username: "u", password: "p4ss" } } });
      expect(kafkaConfig(context.config).sasl).toEqual({ mechanism, username: "u", password: "p4ss" });
      expect(JSON.stringify(context.config.security)).not.toContain("p4ss");
    }
    const { context } = await resolve({ security: { sasl: { mechanism: "plain", username: "u", password: new Secret("held") } } });
    expect(kafkaConfig(context.config).sasl).toMatchObject({ password: "held" });
  });

  test("TLS: true as true, options with their secrets revealed", async () => {
    expect(kafkaConfig((await resolve({ security: { ssl: true } })).context.config).ssl).toBe(true);
    expect(kafkaConfig((await resolve({ security: { ssl: false } })).context.config)).not.toHaveProperty("ssl");
    const tls = { ca: "CA", cert: "CERT", key: "KEY", passphrase: "PASS", rejectUnauthorized: false };
    const { context } = await resolve({ security: { ssl: tls } });
    expect(kafkaConfig(context.config).ssl).toEqual(tls);
  });

  test("client pass-through options go to new Kafka(), not to the roles", async () => {
    const { context, producer, consumer } = await resolve({ options: { enforceRequestTimeout: false, authenticationTimeout: 4321 } });
    expect(kafkaConfig(context.config)).toMatchObject({ enforceRequestTimeout: false, authenticationTimeout: 4321 });
    expect(producerOptions(context.config, producer)).not.toHaveProperty("authenticationTimeout");
    expect(consumerOptions(context.config, consumer)).not.toHaveProperty("authenticationTimeout");
  });

  test("an option kafkajs does not take is VALIDATION at createStreamingClient, before any client is made", () => {
    const r = createStreamingClient({ connector: kafkajsConnector, brokers: ["127.0.0.1:1"], options: { lingerMs: 1 } });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "options.lingerMs" } });
  });
});

describe("producer config", () => {
  test("idempotence, no auto-created topics, producer pass-through options", async () => {
    const { context, producer } = await resolve({ options: { maxInFlightRequests: 3, metadataMaxAge: 1000 } }, { idempotent: true });
    const options = producerOptions(context.config, producer);
    expect(options).toMatchObject({ idempotent: true, allowAutoTopicCreation: false, maxInFlightRequests: 3, metadataMaxAge: 1000 });
    // Without a transactionalId, nothing of transactions is set.
    expect(options).not.toHaveProperty("transactionalId");
    expect(options).not.toHaveProperty("transactionTimeout");
    // Idempotent by default (docs/delivery.md); off when asked.
    const plain = await resolve();
    expect(producerOptions(plain.context.config, plain.producer)).toMatchObject({ idempotent: true, allowAutoTopicCreation: false });
    const off = await resolve({}, { idempotent: false });
    expect(producerOptions(off.context.config, off.producer)).toMatchObject({ idempotent: false });
  });

  test("a transactionalId makes the kafkajs producer transactional: idempotent, one request in flight, the transaction timeout; over any pass-through option", async () => {
    const { context, producer } = await resolve({ options: { maxInFlightRequests: 5 } }, { transactionalId: "tx-1", transactionTimeoutMs: 12_345 });
    expect(producerOptions(context.config, producer)).toMatchObject({ transactionalId: "tx-1", idempotent: true, maxInFlightRequests: 1, transactionTimeout: 12_345, allowAutoTopicCreation: false });
    // Core's default transaction timeout (Java's transaction.timeout.ms, 60 s).
    const defaults = await resolve({}, { transactionalId: "tx-2" });
    expect(producerOptions(defaults.context.config, defaults.producer)).toMatchObject({ transactionalId: "tx-2", transactionTimeout: 60_000 });
  });

  test("a transactional producer's sends retry first after 20 ms, with as many more retries as halvings of the configured first back-off; a plain producer keeps the client's", async () => {
    const defaults = await resolve({}, { transactionalId: "tx" });
    // 5 retries from 300 ms (core's defaults): 300 -> 20 is four halvings, so 9 retries from 20 ms.
    expect(producerOptions(defaults.context.config, defaults.producer).retry).toEqual({ retries: 9, initialRetryTime: 20, maxRetryTime: 30_000 });
    expect(transactionalSendRetry({ retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 1000 })).toEqual({ retries: 6, initialRetryTime: 20, maxRetryTime: 1000 });
    // No retries asked, or a first back-off already as short: as configured.
    expect(transactionalSendRetry({ retries: 0, initialRetryTimeMs: 300, maxRetryTimeMs: 1000 })).toEqual({ retries: 0, initialRetryTime: 300, maxRetryTime: 1000 });
    expect(transactionalSendRetry({ retries: 4, initialRetryTimeMs: 10, maxRetryTimeMs: 1000 })).toEqual({ retries: 4, initialRetryTime: 10, maxRetryTime: 1000 });
    const plain = await resolve();
    expect(producerOptions(plain.context.config, plain.producer)).not.toHaveProperty("retry");
  });

  test("kafkajs's partitioner keeps the partition core chose", async () => {
    const { context, producer } = await resolve();
    const partitioner = producerOptions(context.config, producer).createPartitioner!();
    expect(partitioner({ topic: "t", partitionMetadata: [], message: { value: "v", partition: 5 } })).toBe(5);
  });

  test("acks, timeout and the codec go with every send", async () => {
    const defaults = await resolve({ requestTimeout: 4000 });
    expect(sendOptions(defaults.producer)).toEqual({ acks: -1, timeout: 4000, compression: CompressionTypes.None });
    for (const [acks, expected] of [["all", -1], [1, 1], [0, 0]] as const) {
      expect(sendOptions((await resolve({}, { acks })).producer).acks).toBe(expected);
    }
    expect(sendOptions((await resolve({}, { timeout: 250, compression: "gzip" })).producer)).toMatchObject({ timeout: 250, compression: CompressionTypes.GZIP });
  });
});

describe("consumer config", () => {
  test("group, session timeout, the standard assigner first, a short fetch wait", async () => {
    const { context, consumer } = await resolve({}, undefined, { groupId: "grp", sessionTimeout: 12_000 });
    const options = consumerOptions(context.config, consumer);
    expect(options).toMatchObject({ groupId: "grp", sessionTimeout: 12_000, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    expect(options.partitionAssigners?.map((a) => a({ cluster: {} as never, groupId: "grp", logger: {} as never }).name)).toEqual(["roundrobin", "RoundRobinAssigner"]);
    expect(consumerOptions((await resolve()).context.config, (await resolve()).consumer).sessionTimeout).toBe(30_000);
  });

  test("isolationLevel is passed explicitly both ways (kafkajs defaults to read_committed, core to read_uncommitted)", async () => {
    const byDefault = await resolve({}, undefined, { groupId: "g" });
    expect(consumerOptions(byDefault.context.config, byDefault.consumer).readUncommitted).toBe(true);
    const committed = await resolve({}, undefined, { groupId: "g", isolationLevel: "read_committed" });
    expect(consumerOptions(committed.context.config, committed.consumer).readUncommitted).toBe(false);
    const uncommitted = await resolve({}, undefined, { groupId: "g", isolationLevel: "read_uncommitted" });
    expect(consumerOptions(uncommitted.context.config, uncommitted.consumer).readUncommitted).toBe(true);
  });

  test("consumer pass-through options go to kafka.consumer(), partitionsConsumedConcurrently to run()", async () => {
    const { context, consumer } = await resolve({ options: { maxWaitTimeInMs: 100, heartbeatInterval: 1000, partitionsConsumedConcurrently: 3 } });
    const options = consumerOptions(context.config, consumer);
    expect(options).toMatchObject({ maxWaitTimeInMs: 100, heartbeatInterval: 1000 });
    expect(options).not.toHaveProperty("partitionsConsumedConcurrently");
    expect(partitionsConsumedConcurrently(context.config)).toBe(3);
    expect(partitionsConsumedConcurrently((await resolve()).context.config)).toBe(1);
  });
});
