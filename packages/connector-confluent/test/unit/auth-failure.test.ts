// Which log lines stand for a wrong password (authFailure: the sessions and the connect probe
// fail calls with AUTHENTICATION on them). No broker needed.
import { describe, expect, test } from "vitest";
import { authFailure } from "../../src/errors.js";

describe("authFailure", () => {
  test("a broker's refusal is AUTHENTICATION", () => {
    const line = "[thrd:sasl_plaintext://127.0.0.1:9093/bootstrap]: sasl_plaintext://127.0.0.1:9093/bootstrap: SASL authentication error: Authentication failed: Invalid username or password (after 301ms in state AUTH_REQ)";
    expect(authFailure(line)).toMatchObject({ category: "AUTHENTICATION", code: "SASL_AUTHENTICATION_FAILED", message: "SASL authentication error: Authentication failed: Invalid username or password (after 301ms in state AUTH_REQ)" });
  });

  test("a SASL exchange cut off by its connection is not", () => {
    expect(authFailure("127.0.0.1:9093/bootstrap: SASL authentication error: SaslAuthenticateRequest failed: Local: Broker transport failure (after 0ms in state DOWN)")).toBeUndefined();
    expect(authFailure("Connect to ipv4#127.0.0.1:1 failed: Connection refused")).toBeUndefined();
  });
});
