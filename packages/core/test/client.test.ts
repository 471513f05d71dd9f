import { describe, expect, it } from "vitest";
import { BUILTINS } from "../src/registry.js";
import { createStreamingClient, memoryConnector, registerConnector, unregisterConnector, type IStreamingConnector } from "./both-surfaces.js";

const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe("StreamingClient", () => {
  it("caches the producer and the admin, and creates a consumer per call", async () => {
    const client = createStreamingClient()._unsafeUnwrap();
    const p1 = (await client.getProducer())._unsafeUnwrap();
    expect((await client.getProducer())._unsafeUnwrap()).toBe(p1);
    expect((await client.getProducer({ acks: 1 })).isErr()).toBe(true);
    expect((await client.getAdmin())._unsafeUnwrap()).toBe((await client.getAdmin())._unsafeUnwrap());
    const c1 = (await client.getConsumer({ groupId: "g" }))._unsafeUnwrap();
    expect((await client.getConsumer({ groupId: "g" }))._unsafeUnwrap()).not.toBe(c1);
    await client.disconnect();
  });

  it("disconnect() closes the producer, the admin and every consumer, and is idempotent", async () => {
    const client = createStreamingClient()._unsafeUnwrap();
    const producer = (await client.getProducer())._unsafeUnwrap();
    const admin = (await client.getAdmin())._unsafeUnwrap();
    const consumer = (await client.getConsumer({ groupId: unique("g") }))._unsafeUnwrap();
    for (const o of [producer, admin, consumer]) expect((await o.connect()).isOk()).toBe(true);
    expect((await client.disconnect()).isOk()).toBe(true);
    expect([producer.isConnected(), admin.isConnected(), consumer.isConnected()]).toEqual([false, false, false]);
    expect((await client.disconnect()).isOk()).toBe(true);
    expect((await client.getProducer())._unsafeUnwrapErr()).toMatchObject({ category: "STATE" });
  });

  it("gives the native client of each role object (the escape hatch)", async () => {
    const client = createStreamingClient()._unsafeUnwrap();
    const producer = (await client.getProducer())._unsafeUnwrap();
    const consumer = (await client.getConsumer({ groupId: "native" }))._unsafeUnwrap();
    const admin = (await client.getAdmin())._unsafeUnwrap();
    // For memory, the native object is the in-process cluster the three share.
    expect(producer.getNativeClient()).toBeDefined();
    expect(producer.getNativeClient()).toBe(admin.getNativeClient());
    expect(consumer.getNativeClient()).toBe(admin.getNativeClient());
    await client.disconnect();
  });

  it("isHealthy() is true while open and false after disconnect", async () => {
    const client = createStreamingClient()._unsafeUnwrap();
    expect((await client.isHealthy())._unsafeUnwrap()).toBe(true);
    await client.disconnect();
    expect((await client.isHealthy())._unsafeUnwrap()).toBe(false);
  });

  it("reports a built-in connector whose package is not installed as NOT_FOUND", async () => {
    // Every real built-in is installed in this workspace, so stand one in that is not.
    const builtins = BUILTINS;
    builtins.ghost = { module: "@qi/streaming-ghost-connector", load: () => import("@qi/streaming-ghost-connector" as string), network: true };
    try {
      const client = createStreamingClient({ connector: "ghost", brokers: ["127.0.0.1:9"] })._unsafeUnwrap();
      const r = await client.getProducer();
      expect(r._unsafeUnwrapErr()).toMatchObject({ category: "NOT_FOUND", code: "CONNECTOR_NOT_INSTALLED" });
      expect(r._unsafeUnwrapErr().message).toContain("@qi/streaming-ghost-connector");
    } finally {
      delete builtins.ghost;
    }
  });
});

describe("the connector registry", () => {
  const custom: IStreamingConnector = { ...memoryConnector, name: "custom-memory" };

  it("finds a registered third-party connector by name", async () => {
    expect(registerConnector(custom).isOk()).toBe(true);
    const client = createStreamingClient({ connector: "custom-memory", brokers: ["x:1"] })._unsafeUnwrap();
    expect(client.connectorName).toBe("custom-memory");
    expect((await client.getAdmin()).isOk()).toBe(true);
    unregisterConnector("custom-memory");
    expect(createStreamingClient({ connector: "custom-memory", brokers: ["x:1"] }).isErr()).toBe(true);
  });

  it("asks a registered connector whether it needs brokers", () => {
    expect(registerConnector(custom).isOk()).toBe(true);
    expect(createStreamingClient({ connector: "custom-memory" }).isOk()).toBe(true);
    expect(registerConnector({ ...custom, name: "custom-network", capabilities: { ...custom.capabilities, network: true } }).isOk()).toBe(true);
    expect(createStreamingClient({ connector: "custom-network" })._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "brokers" } });
    expect(createStreamingClient({ connector: "kafkajs" })._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "brokers" } });
    unregisterConnector("custom-memory");
    unregisterConnector("custom-network");
  });

  it("accepts a connector object in the config", async () => {
    const client = createStreamingClient({ connector: { ...memoryConnector, name: "inline" } })._unsafeUnwrap();
    expect(client.connectorName).toBe("inline");
    const admin = (await client.getAdmin())._unsafeUnwrap();
    expect((await admin.connect()).isOk()).toBe(true);
  });

  it("refuses a built-in name and a malformed connector", () => {
    expect(registerConnector({ ...memoryConnector, name: "kafkajs" })._unsafeUnwrapErr().category).toBe("CONFLICT");
    expect(registerConnector({ name: "x" } as never)._unsafeUnwrapErr().category).toBe("VALIDATION");
  });
});

describe("a connector whose driver throws", () => {
  it("has every throw turned into a classified error result", async () => {
    const thrower = (): never => {
      throw Object.assign(new Error("boom"), { code: "ECONNREFUSED" });
    };
    const broken: IStreamingConnector = {
      ...memoryConnector,
      name: "broken",
      createProducer: () => ({ connect: thrower, partitionCount: thrower, send: thrower, flush: thrower, disconnect: thrower, native: () => null }),
      createAdmin: thrower,
    };
    const client = createStreamingClient({ connector: broken })._unsafeUnwrap();
    const producer = (await client.getProducer())._unsafeUnwrap();
    expect((await producer.connect())._unsafeUnwrapErr()).toMatchObject({ category: "CONNECTION", context: { connector: "broken", operation: "producer.connect" } });
    expect((await client.getAdmin())._unsafeUnwrapErr().category).toBe("CONNECTION");
  });
});
