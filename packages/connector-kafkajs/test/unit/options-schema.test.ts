// The kafkajs connector's options schema, validated by core at createStreamingClient. No broker needed.
import { createStreamingClient } from "@qi/streaming";
import { describe, expect, test } from "vitest";
import { kafkajsConnector } from "../../src/index.js";

describe("kafkajs options are type-checked at createStreamingClient", () => {
  test.each([
    ["by name (the built-in, read synchronously)", "kafkajs"],
    ["as an object", kafkajsConnector],
  ] as const)("a wrong value type names options.<key>: %s", (_how, connector) => {
    const r = createStreamingClient({ connector, brokers: ["localhost:9092"], options: { partitionsConsumedConcurrently: "lots" } });
    expect(r.isErr()).toBe(true);
    const e = r._unsafeUnwrapErr();
    expect(e).toMatchObject({ category: "VALIDATION", context: { field: "options.partitionsConsumedConcurrently" } });
    expect(e.message).toContain('expected a number, got the string "lots"');
  });

  test("a good value passes, and an unknown key suggests the nearest", () => {
    expect(createStreamingClient({ connector: "kafkajs", brokers: ["localhost:9092"], options: { partitionsConsumedConcurrently: 4, maxWaitTimeInMs: 100 } }).isOk()).toBe(true);
    const e = createStreamingClient({ connector: "kafkajs", brokers: ["localhost:9092"], options: { heartbeatInterva: 1 } })._unsafeUnwrapErr();
    expect(e.context.field).toBe("options.heartbeatInterva");
    expect(e.message).toContain("did you mean heartbeatInterval?");
  });

  test("readUncommitted and transactionTimeout are refused, naming the setting that replaced them", () => {
    for (const [key, value, setting] of [["readUncommitted", true, "isolationLevel"], ["readUncommitted", false, "isolationLevel"], ["transactionTimeout", 5000, "transactionTimeoutMs"]] as const) {
      const r = createStreamingClient({ connector: "kafkajs", brokers: ["localhost:9092"], options: { [key]: value } });
      expect(r.isErr()).toBe(true);
      const e = r._unsafeUnwrapErr();
      expect(e).toMatchObject({ category: "VALIDATION", context: { field: `options.${key}` } });
      expect(e.message).toContain(setting);
    }
  });
});
