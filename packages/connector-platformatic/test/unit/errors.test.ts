// platformatic's errors through core's classifier with this connector's hints. No broker needed.
import { toQiError } from "@qi/streaming/connector";
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, TimeoutError, UnsupportedApiError, UnsupportedCompressionError, UserError } from "@platformatic/kafka";
import { describe, expect, test } from "vitest";
import { classifyError, isUnknownTopic, unknownTopicOf } from "../../src/errors.js";
import { platformaticConnector } from "../../src/index.js";

const classify = (error: unknown) => toQiError(error, { connector: "platformatic", operation: "test" }, platformaticConnector.classifyError);

describe("classifyError", () => {
  test("platformatic's own classes", () => {
    expect(classify(new TimeoutError("slow"))).toMatchObject({ category: "TIMEOUT", code: "REQUEST_TIMED_OUT", retriable: true });
    expect(classify(new NetworkError("down"))).toMatchObject({ category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true });
    expect(classify(new AuthenticationError("bad"))).toMatchObject({ category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", retriable: false });
    expect(classify(new UnsupportedApiError("old"))).toMatchObject({ category: "UNSUPPORTED", code: "UNSUPPORTED_BY_BROKER" });
    expect(classify(new UnsupportedCompressionError("lz5"))).toMatchObject({ category: "UNSUPPORTED", code: "UNSUPPORTED_BY_BROKER" });
  });

  test("a TimeoutError carries the network code: the class wins", () => {
    expect((new TimeoutError("slow") as unknown as { code: string }).code).toBe("PLT_KFK_NETWORK");
    expect(classifyError(new TimeoutError("slow"))).toMatchObject({ category: "TIMEOUT" });
  });

  test("the unknown-topic UserError of a metadata answer is TOPIC_NOT_FOUND; other UserErrors are not hinted", () => {
    expect(classify(new UserError("Unknown topic t1."))).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
    expect(classifyError(new UserError("Idempotent producer requires acks to be ALL (-1)."))).toBeUndefined();
    expect(classify(new UserError("something else")).category).toBe("INTERNAL");
  });

  test("a protocol code nested in platformatic's aggregate errors wins over the hints", () => {
    const nested = new MultipleErrors("Producing messages failed.", [new NetworkError("retry wrapper", { cause: new ProtocolError("NOT_LEADER_OR_FOLLOWER") })]);
    expect(classify(nested)).toMatchObject({ category: "BROKER", code: expect.any(String), context: { kafkaCode: "NOT_LEADER_OR_FOLLOWER" } });
  });

  test("anything else is left to core", () => {
    expect(classifyError(undefined)).toBeUndefined();
    expect(classifyError("text")).toBeUndefined();
    expect(classifyError(new Error("plain"))).toBeUndefined();
  });
});

describe("unknown topics", () => {
  test("by platformatic's UserError or by the protocol code, nested or not", () => {
    expect(isUnknownTopic(new UserError("Unknown topic orders."))).toBe(true);
    expect(isUnknownTopic(new MultipleErrors("failed", [new ProtocolError("UNKNOWN_TOPIC_OR_PARTITION")]))).toBe(true);
    expect(isUnknownTopic(new UserError("Unknown option."))).toBe(false);
    expect(isUnknownTopic(new Error("Unknown topic orders."))).toBe(false);
    expect(isUnknownTopic("Unknown topic orders.")).toBe(false);
  });

  test("which topic the message names", () => {
    const error = new UserError("Unknown topic b.");
    expect(unknownTopicOf(error, ["a", "b"])).toBe("b");
    expect(unknownTopicOf(error, ["a", "bb"])).toBeUndefined();
  });
});
