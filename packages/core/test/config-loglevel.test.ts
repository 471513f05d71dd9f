import { describe, expect, it } from "vitest";
import { configFromEnv, createStreamingClient } from "./both-surfaces.js";
import { readConfig, resolveConfig } from "../src/config/validate.js";

describe("logLevel", () => {
  it("defaults to warn on the resolved config", () => {
    expect(resolveConfig(readConfig({})._unsafeUnwrap(), "memory").logLevel).toBe("warn");
  });

  it.each(["debug", "info", "warn", "error", "silent"] as const)("carries %s to the resolved config", (logLevel) => {
    expect(resolveConfig(readConfig({ logLevel })._unsafeUnwrap(), "memory").logLevel).toBe(logLevel);
  });

  it("refuses another value, naming logLevel", () => {
    const r = createStreamingClient({ logLevel: "verbose" } as never);
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "logLevel" } });
  });

  it("is read from QI_STREAMING_LOG_LEVEL", () => {
    expect(configFromEnv({ QI_STREAMING_LOG_LEVEL: "DEBUG" })._unsafeUnwrap()).toEqual({ logLevel: "debug" });
    expect(configFromEnv({ QI_STREAMING_LOG_LEVEL: "loud" })._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "QI_STREAMING_LOG_LEVEL" } });
  });
});
