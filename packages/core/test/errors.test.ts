import { describe, expect, it } from "vitest";
import { allKafkaErrorCodes, isQiError, kafkaErrorByCode, kafkaErrorByName, qiError, toQiError } from "./both-surfaces.js";

describe("the Kafka protocol error table", () => {
  it("maps codes to our codes, categories and retriability", () => {
    expect(kafkaErrorByCode(3)).toMatchObject({ qiCode: "TOPIC_NOT_FOUND", category: "NOT_FOUND", retriable: true });
    expect(kafkaErrorByCode(36)).toMatchObject({ qiCode: "TOPIC_ALREADY_EXISTS", category: "CONFLICT", retriable: false });
    expect(kafkaErrorByCode(58)).toMatchObject({ category: "AUTHENTICATION" });
    expect(kafkaErrorByCode(7)).toMatchObject({ category: "TIMEOUT", retriable: true });
    expect(kafkaErrorByName("ERR_NOT_LEADER_FOR_PARTITION")?.code).toBe(6);
  });

  it("uses stable upper snake case codes", () => {
    for (const e of allKafkaErrorCodes()) expect(e.qiCode).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });
});

describe("toQiError", () => {
  it("unwraps a retry wrapper to the protocol error in its cause (kafkajs shape)", () => {
    const leaf = Object.assign(new Error("This server does not host this topic-partition"), { type: "UNKNOWN_TOPIC_OR_PARTITION", code: 3 });
    const wrapped = Object.assign(new Error("retries exceeded"), { name: "KafkaJSNumberOfRetriesExceeded", cause: leaf });
    const e = toQiError(wrapped, { connector: "kafkajs", operation: "producer.send" });
    expect(e).toMatchObject({ code: "TOPIC_NOT_FOUND", category: "NOT_FOUND", retriable: true });
    expect(e.context).toMatchObject({ connector: "kafkajs", kafkaErrorCode: 3 });
    expect(e.cause).toBe(wrapped);
  });

  it("finds the broker's error in per-item results (kafkajs's deleteTopicRecords and deleteGroups shapes)", () => {
    const records = Object.assign(new Error("Error while deleting records"), {
      name: "KafkaJSDeleteTopicRecordsError",
      partitions: [{ partition: 0, offset: "3", error: Object.assign(new Error("Request parameters do not satisfy the configured policy"), { type: "POLICY_VIOLATION", code: 44 }) }],
    });
    expect(toQiError(records, { connector: "kafkajs" })).toMatchObject({ code: "POLICY_VIOLATION", category: "VALIDATION" });
    const groups = Object.assign(new Error("Error in DeleteGroups"), {
      name: "KafkaJSDeleteGroupsError",
      groups: [{ groupId: "g", errorCode: 68, error: Object.assign(new Error("The group is not empty"), { type: "NON_EMPTY_GROUP", code: 68 }) }],
    });
    expect(toQiError(groups, { connector: "kafkajs" })).toMatchObject({ code: "NON_EMPTY_GROUP", category: "CONFLICT" });
  });

  it("finds a protocol code inside an aggregate's errors (platformatic shape)", () => {
    const inner = Object.assign(new Error("Topic already exists"), { apiCode: 36, apiId: "TOPIC_ALREADY_EXISTS" });
    const agg = new AggregateError([new Error("other"), inner], "Received response with error");
    expect(toQiError(agg)).toMatchObject({ code: "TOPIC_ALREADY_EXISTS", category: "CONFLICT" });
  });

  it("classifies network errors as CONNECTION", () => {
    const e = toQiError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }));
    expect(e).toMatchObject({ category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true });
  });

  it("asks the connector's hinter before giving up", () => {
    const e = toQiError(new Error("odd"), {}, () => ({ category: "TIMEOUT", code: "TIMEOUT", retriable: true }));
    expect(e.category).toBe("TIMEOUT");
  });

  it("passes an existing QiError through, adding context", () => {
    const original = qiError("STATE", "NOT_CONNECTED", "x");
    const e = toQiError(original, { operation: "op" });
    expect(e.code).toBe("NOT_CONNECTED");
    expect(e.context.operation).toBe("op");
  });

  it("turns anything else into INTERNAL, without throwing on odd values", () => {
    for (const v of [undefined, null, 42, "boom", Symbol("s"), { message: 1 }]) {
      const e = toQiError(v);
      expect(isQiError(e)).toBe(true);
    }
    const cyclic: { cause?: unknown } = {};
    cyclic.cause = cyclic;
    expect(toQiError(cyclic).category).toBe("INTERNAL");
  });
});
