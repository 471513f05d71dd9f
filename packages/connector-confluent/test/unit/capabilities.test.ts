// What the connector declares: only the flags that differ from the kit's defaults, and the
// errors only librdkafka knows classified. No broker needed.
import { capabilitiesOf, DEFAULT_CAPABILITIES, toQiError } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { confluentConnector, CONFLUENT_CONNECTOR_NAME } from "../../src/index.js";

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
      groupProtocols: ["classic"],
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
