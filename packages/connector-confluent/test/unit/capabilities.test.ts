// What the connector declares: only the flags that differ from the kit's defaults, and the
// errors only librdkafka knows classified. No broker needed.
import { capabilitiesOf, DEFAULT_CAPABILITIES, toQiError } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { confluentConnector, CONFLUENT_CONNECTOR_NAME } from "../../src/index.js";
import { ConfluentConsumerDriver } from "../../src/consumer.js";
import { acceptsLibrdkafkaProperty, groupProtocolProperties } from "../../src/options.js";

describe("capabilities", () => {
  test("everything the testkit can check, over the network", () => {
    expect(confluentConnector.name).toBe(CONFLUENT_CONNECTOR_NAME);
    expect(capabilitiesOf(confluentConnector)).toEqual({
      network: true,
      sasl: true,
      seek: true,
      pauseResume: true,
      eachBatch: true,
      compression: ["gzip", "snappy", "lz4", "zstd"],
      // librdkafka 2.12+ speaks KIP-848's consumer protocol (`group.protocol=consumer`).
      groupProtocols: ["classic", "consumer"],
      idempotentProducer: true,
      // The library binds none of Kafka's DescribeConfigs / AlterConfigs (see docs/connectors/confluent.md).
      topicConfigs: false,
      transactions: true,
    });
  });

  test("only the flags that differ from the defaults are declared", () => {
    for (const [key, value] of Object.entries(confluentConnector.capabilities)) {
      expect(value, key).not.toEqual(DEFAULT_CAPABILITIES[key as keyof typeof DEFAULT_CAPABILITIES]);
    }
  });
});

describe("groupProtocol", () => {
  const config = (options: Record<string, unknown> = {}) => ({ options }) as unknown as Parameters<typeof groupProtocolProperties>[0];

  test("classic keeps the round-robin assignor; consumer sets group.protocol and none of the classic-only properties librdkafka refuses then", () => {
    expect(groupProtocolProperties(config(), "classic")).toEqual({ "group.protocol": "classic", "partition.assignment.strategy": "roundrobin" });
    expect(groupProtocolProperties(config(), "consumer")).toEqual({ "group.protocol": "consumer" });
  });

  test("heartbeat.interval.ms in options is refused under consumer (VALIDATION, naming the broker's setting), kept under classic", () => {
    const options = config({ "heartbeat.interval.ms": 1000 });
    expect(groupProtocolProperties(options, "classic")).toMatchObject({ "group.protocol": "classic" });
    expect(() => groupProtocolProperties(options, "consumer")).toThrow(expect.objectContaining({ category: "VALIDATION", context: expect.objectContaining({ field: "options.heartbeat.interval.ms" }) }));
    expect(() => groupProtocolProperties(options, "consumer")).toThrow(/group\.consumer\.heartbeat\.interval\.ms/);
    // At getConsumer: the driver checks when it is made.
    expect(() => new ConfluentConsumerDriver(options as never, { groupProtocol: "consumer" } as never)).toThrow(/heartbeat/);
  });

  test("group.protocol and group.protocol.type cannot be set raw in options (core's groupProtocol sets them)", () => {
    expect(acceptsLibrdkafkaProperty("group.protocol")).toBe(false);
    expect(acceptsLibrdkafkaProperty("group.protocol.type")).toBe(false);
    expect(acceptsLibrdkafkaProperty("group.remote.assignor")).toBe(true);
  });
});

describe("classifyError", () => {
  const classify = (error: unknown) => toQiError(error, { connector: "confluent" }, confluentConnector.classifyError);

  test("librdkafka's own negative codes", () => {
    expect(classify(Object.assign(new Error("Local: Broker transport failure"), { code: -195 }))).toMatchObject({ category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true });
    expect(classify(Object.assign(new Error("Local: Message timed out"), { code: -192 }))).toMatchObject({ category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true });
    expect(classify(Object.assign(new Error("Local: Unknown partition"), { code: -190 }))).toMatchObject({ category: "VALIDATION", code: "PARTITION_NOT_FOUND" });
    expect(classify(Object.assign(new Error("Local: This instance has been fenced by a newer instance"), { code: -144 }))).toMatchObject({ category: "STATE", code: "PRODUCER_FENCED", retriable: false });
  });

  test("a Kafka protocol code is core's (the same in every client)", () => {
    expect(classify(Object.assign(new Error("Broker: Unknown topic or partition"), { code: 3 }))).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
  });

  test("errors without a code, by their message", () => {
    expect(classify(new Error("No such configuration property: \"linger.msx\""))).toMatchObject({ category: "VALIDATION", code: "INVALID_ARGUMENT" });
    expect(classify(new Error("SASL authentication error: Authentication failed"))).toMatchObject({ category: "AUTHENTICATION", retriable: false });
    expect(classify(new Error("something unknown"))).toMatchObject({ category: "INTERNAL" });
  });
});
