// Which of the client's log lines become consumer errors (its fetch loop only logs them), and how
// they are classified. No broker needed.
import { toQiError } from "@qi/streaming/connector";
import { describe, expect, test } from "vitest";
import { confluentConnector } from "../../src/index.js";
import { loopError } from "../../src/errors.js";

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
