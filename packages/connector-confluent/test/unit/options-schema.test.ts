// The confluent connector's options, validated by core at createStreamingClient. No broker needed.
import { createStreamingClient } from "@qi/streaming";
import { describe, expect, test } from "vitest";
import { acceptsLibrdkafkaProperty, nearLibrdkafkaProperty } from "../../src/options.js";

describe("confluent options at createStreamingClient", () => {
  test("a typo of a librdkafka property is VALIDATION with the nearest known name", () => {
    const r = createStreamingClient({ connector: "confluent", brokers: ["localhost:9092"], options: { "linger.mss": 5 } });
    const e = r._unsafeUnwrapErr();
    expect(e).toMatchObject({ category: "VALIDATION", context: { field: "options.linger.mss" } });
    expect(e.message).toContain("did you mean linger.ms?");
  });

  test("a near-miss is refused, other well-formed properties still pass through", () => {
    expect(nearLibrdkafkaProperty("linger.mss")).toBe("linger.ms");
    expect(acceptsLibrdkafkaProperty("fetch.wait.max.mss")).toBe(false);
    expect(acceptsLibrdkafkaProperty("ssl.ca.location")).toBe(true);
    expect(createStreamingClient({ connector: "confluent", brokers: ["localhost:9092"], options: { "linger.ms": 5, "ssl.ca.location": "/x" } }).isOk()).toBe(true);
  });

  test("a listed property's value type is checked (numbers as numbers or digits)", () => {
    const e = createStreamingClient({ connector: "confluent", brokers: ["localhost:9092"], options: { "linger.ms": "soon" } })._unsafeUnwrapErr();
    expect(e).toMatchObject({ category: "VALIDATION", context: { field: "options.linger.ms" } });
    expect(e.message).toContain('got the string "soon"');
    expect(createStreamingClient({ connector: "confluent", brokers: ["localhost:9092"], options: { "linger.ms": "5" } }).isOk()).toBe(true);
  });
});
