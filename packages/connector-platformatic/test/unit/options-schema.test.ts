// The platformatic connector's options schema, validated by core at createStreamingClient. No broker needed.
import { createStreamingClient } from "@qi/streaming";
import { describe, expect, test } from "vitest";

describe("platformatic options are type-checked at createStreamingClient", () => {
  test("a wrong value type names options.<key>", () => {
    const e = createStreamingClient({ connector: "platformatic", brokers: ["localhost:9092"], options: { maxWaitTime: "1000" } })._unsafeUnwrapErr();
    expect(e).toMatchObject({ category: "VALIDATION", context: { field: "options.maxWaitTime" } });
    expect(e.message).toContain('expected a number, got the string "1000"');
    expect(createStreamingClient({ connector: "platformatic", brokers: ["localhost:9092"], options: { maxWaitTime: 1000 } }).isOk()).toBe(true);
  });
});
