// kafkajs's own error classes, classified through core's classifier with the connector's hints. No broker needed.
import { toQiError } from "@qi/streaming/connector";
import * as kafkajs from "kafkajs";
import { describe, expect, test } from "vitest";
import { classifyError, isUnknownTopic, isUnreachable } from "../../src/errors.js";

// kafkajs's own classes; its typings leave some out and some constructors' arguments.
type ErrorClass = new (message: unknown, extra?: object) => Error;
const {
  KafkaJSBrokerNotFound,
  KafkaJSConnectionClosedError,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} = kafkajs as unknown as Record<"KafkaJSBrokerNotFound" | "KafkaJSConnectionClosedError" | "KafkaJSConnectionError" | "KafkaJSError" | "KafkaJSNonRetriableError" | "KafkaJSNumberOfRetriesExceeded" | "KafkaJSProtocolError" | "KafkaJSRequestTimeoutError" | "KafkaJSSASLAuthenticationError", ErrorClass>;

const classify = (error: unknown) => toQiError(error, { connector: "kafkajs", operation: "test" }, classifyError);
const protocol = (code: number, type: string, retriable = false) => new KafkaJSProtocolError({ message: type, type, code, retriable });

describe("classifyError", () => {
  test("connection classes are BROKER_UNREACHABLE, retriable", () => {
    for (const error of [new KafkaJSConnectionError("refused"), new KafkaJSBrokerNotFound("none"), new KafkaJSConnectionClosedError("closed", { host: "h", port: 1 })]) {
      expect(classify(error)).toMatchObject({ category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true });
    }
  });

  test("timeouts are REQUEST_TIMED_OUT, retriable", () => {
    expect(classify(new KafkaJSRequestTimeoutError("slow"))).toMatchObject({ category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true });
    expect(classifyError({ name: "KafkaJSTimeout" })).toMatchObject({ category: "TIMEOUT", code: "REQUEST_TIMED_OUT" });
  });

  test("no coordinator found (kafkajs's KafkaJSGroupCoordinatorNotFound) is the broker's COORDINATOR_NOT_AVAILABLE, retriable", () => {
    const { KafkaJSGroupCoordinatorNotFound } = kafkajs as unknown as Record<"KafkaJSGroupCoordinatorNotFound", ErrorClass>;
    expect(classify(new KafkaJSGroupCoordinatorNotFound("Failed to find group coordinator"))).toMatchObject({ category: "BROKER", code: "COORDINATOR_NOT_AVAILABLE", retriable: true });
  });

  test("a protocol code past kafkajs's table (it stops at 88) is classified by core's table from the message", () => {
    const unknown = (code: number) => new KafkaJSProtocolError({ message: `Unknown error code ${code}`, type: "KAFKAJS_UNKNOWN_ERROR_CODE", code: -99, retriable: false });
    expect(classify(unknown(90))).toMatchObject({ category: "STATE", code: "PRODUCER_FENCED", retriable: false });
    expect(classify(unknown(89))).toMatchObject({ code: "THROTTLING_QUOTA_EXCEEDED" });
    expect(classify(unknown(9999))).toMatchObject({ category: "INTERNAL", code: "UNEXPECTED_ERROR" });
  });

  test("a SASL failure is AUTHENTICATION, not retriable", () => {
    expect(classify(new KafkaJSSASLAuthenticationError("bad password"))).toMatchObject({ category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false });
  });

  test("setOffsets on a group with members is the broker's NON_EMPTY_GROUP", () => {
    const error = new KafkaJSNonRetriableError("The consumer group must have no running instances, current state: Stable");
    expect(classify(error)).toMatchObject({ category: "CONFLICT", code: "NON_EMPTY_GROUP", retriable: false });
    expect(classifyError(new KafkaJSNonRetriableError("Invalid topic undefined"))).toBeUndefined();
  });

  test("protocol codes are core's table, through kafkajs's retry wrapper", () => {
    expect(classify(protocol(3, "UNKNOWN_TOPIC_OR_PARTITION", true))).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND", retriable: true });
    const exhausted = new KafkaJSNumberOfRetriesExceeded(protocol(6, "NOT_LEADER_FOR_PARTITION", true), { retryCount: 5, retryTime: 100 });
    expect(classify(exhausted)).toMatchObject({ category: "BROKER", retriable: true });
    const unreachable = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError("refused"), { retryCount: 5, retryTime: 100 });
    expect(classify(unreachable)).toMatchObject({ code: "BROKER_UNREACHABLE" });
  });

  test("anything else is left to core", () => {
    for (const leaf of [new KafkaJSError("x"), new Error("x"), null, undefined, "text", 42, { name: 42 }]) expect(classifyError(leaf)).toBeUndefined();
  });
});

describe("driver questions", () => {
  test("isUnknownTopic: kafkajs's metadata answer for a missing topic", () => {
    expect(isUnknownTopic(protocol(3, "UNKNOWN_TOPIC_OR_PARTITION"))).toBe(true);
    expect(isUnknownTopic(protocol(29, "TOPIC_AUTHORIZATION_FAILED"))).toBe(false);
    expect(isUnknownTopic(null)).toBe(false);
  });

  test("isUnreachable: connection and timeout errors, not broker-side conditions", () => {
    expect(isUnreachable(new KafkaJSConnectionError("refused"))).toBe(true);
    expect(isUnreachable(new KafkaJSRequestTimeoutError("slow"))).toBe(true);
    expect(isUnreachable(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isUnreachable(protocol(14, "COORDINATOR_LOAD_IN_PROGRESS", true))).toBe(false);
  });
});
