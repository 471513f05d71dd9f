// Which of the client's log lines become consumer errors (its fetch loop only logs them), and how
// they are classified. No broker needed.
import { toQiError } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { confluentConnector } from "../../src/index.js";
import { fatalError, isFatal, loopError } from "../../src/errors.js";

const classify = (level: string, line: string) => {
  const e = loopError(level, line);
  return e && toQiError(e, { connector: "confluent" }, confluentConnector.classifyError);
};

describe("loopError", () => {
  test("fetch-loop failures are reported, with their first line only", () => {
    const e = classify("error", "Consumer encountered error while consuming. Retrying. Error details: Error: boom : Error: boom\n    at x (y.js:1:1)");
    expect(e?.message).toContain("Consumer encountered error while consuming");
    expect(e?.message).not.toContain("at x");
  });

  test("losing every broker is CONNECTION, an authentication error AUTHENTICATION", () => {
    expect(classify("error", "Error: Local: All broker connections are down")).toMatchObject({ category: "CONNECTION", code: "BROKER_UNREACHABLE", retriable: true });
    expect(classify("error", "Error: Local: Authentication failure")).toMatchObject({ category: "AUTHENTICATION", retriable: false });
  });

  test("transient and lower-level lines stay log lines", () => {
    expect(loopError("error", "Error: Local: Broker transport failure")).toBeUndefined();
    expect(loopError("error", "Error: Subscribed topic not available: t: Broker: Unknown topic or partition")).toBeUndefined();
    expect(loopError("warn", "Consumer encountered error while consuming. Retrying.")).toBeUndefined();
    expect(loopError("info", "Consumer connected")).toBeUndefined();
  });
});

describe("fatal errors", () => {
  test("the fetch loop's fatal error is fatal, classified STATE / CLIENT_FATAL_ERROR", () => {
    const e = loopError("error", "Consumer encountered error while consuming. Retrying. Error details: KafkaJSError: Local: Fatal error : Error: Local: Fatal error\n    at x (y.js:1:1)");
    expect(isFatal(e)).toBe(true);
    expect(toQiError(e, { connector: "confluent" }, confluentConnector.classifyError)).toMatchObject({ category: "STATE", code: "CLIENT_FATAL_ERROR", retriable: false });
    expect(isFatal(loopError("error", "Error: Local: All broker connections are down"))).toBe(false);
  });

  test("librdkafka's FATAL log line (severity 0) gives the reason, without the thread prefix", () => {
    const line = "[thrd:main]: Fatal error: Broker: Static consumer fenced by other consumer with same group.instance.id: Fatal consumer error";
    const e = fatalError(0, "FATAL", line);
    expect(e?.message).toBe("Fatal error: Broker: Static consumer fenced by other consumer with same group.instance.id: Fatal consumer error");
    expect(isFatal(e)).toBe(true);
    expect(fatalError(3, "FATAL", line), "another severity").toBeUndefined();
    expect(fatalError(0, "CGRP", line), "another facility").toBeUndefined();
  });
});
