import { describe, expect, it } from "vitest";
import { err, ok, okAsync } from "neverthrow";
import { QiErrorException, createStreamingClient, isQiError, unwrap, type QiError } from "../src/index.js";

const failure: QiError = {
  code: "TOPIC_NOT_FOUND",
  category: "NOT_FOUND",
  message: "topic orders does not exist",
  retriable: true,
  context: { connector: "memory", operation: "producer.send", topic: "orders" },
  cause: new Error("leaf"),
};

describe("unwrap", () => {
  it("returns the value of an ok result", () => {
    expect(unwrap(ok(42))).toBe(42);
  });

  it("returns the value of an awaited ResultAsync", async () => {
    expect(unwrap(await okAsync("v"))).toBe("v");
  });

  it("throws a real Error carrying the QiError's fields, with the code and message in its message", () => {
    let thrown: unknown;
    try {
      unwrap(err(failure));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toBeInstanceOf(QiErrorException);
    const e = thrown as QiErrorException;
    expect(e.message).toBe("TOPIC_NOT_FOUND: topic orders does not exist");
    expect(e.name).toBe("QiErrorException");
    expect(String(e)).toContain("topic orders does not exist");
    expect(e.stack).toContain("TOPIC_NOT_FOUND: topic orders does not exist");
    expect(e).toMatchObject({ code: "TOPIC_NOT_FOUND", category: "NOT_FOUND", retriable: true, context: failure.context });
    expect(e.cause).toBe(failure.cause);
    expect(e.qiError).toBe(failure);
    expect(isQiError(e.qiError)).toBe(true);
  });

  it("unwraps a real client result", () => {
    const client = unwrap(createStreamingClient({ connector: "memory", clientId: "unwrap-test" }));
    expect(client.connectorName).toBe("memory");
    expect(() => unwrap(createStreamingClient({ connector: "memory", clientId: "" }))).toThrow(QiErrorException);
  });
});
