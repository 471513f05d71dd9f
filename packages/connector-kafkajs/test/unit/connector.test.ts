// The connector's declaration (capabilities, option keys) and what its drivers tell core. No broker needed.
import { capabilitiesOf, DEFAULT_CAPABILITIES } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { connector, KAFKAJS_CONNECTOR_NAME, KAFKAJS_OPTION_KEYS, KAFKAJS_OPTIONS, kafkajsConnector } from "../../src/index.js";

describe("connector", () => {
  test("name and exports", () => {
    expect(kafkajsConnector.name).toBe(KAFKAJS_CONNECTOR_NAME);
    expect(connector).toBe(kafkajsConnector);
    expect(kafkajsConnector.classifyError).toBeTypeOf("function");
  });

  test("capabilities: gzip only, everything else supported", () => {
    expect(capabilitiesOf(kafkajsConnector)).toEqual({
      network: true,
      sasl: true,
      seek: true,
      pauseResume: true,
      eachBatch: true,
      compression: ["gzip"],
      // kafkajs 2.x has no KIP-848 consumer protocol: groupProtocol "consumer" is UNSUPPORTED (core).
      groupProtocols: ["classic"],
      idempotentProducer: true,
      topicConfigs: true,
      transactions: true,
    });
  });

  test("declares only the flags that differ from the defaults", () => {
    for (const [flag, value] of Object.entries(kafkajsConnector.capabilities)) {
      expect(value, flag).not.toEqual(DEFAULT_CAPABILITIES[flag as keyof typeof DEFAULT_CAPABILITIES]);
    }
  });

  test("option keys: every pass-through group, once", () => {
    expect([...KAFKAJS_OPTION_KEYS].sort()).toEqual([...new Set(Object.values(KAFKAJS_OPTIONS).flat())].sort());
    expect(kafkajsConnector.optionKeys).toBe(KAFKAJS_OPTION_KEYS);
  });
});
