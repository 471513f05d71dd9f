import { describe, expect, it } from "vitest";
import { createStreamingClient, memoryConnector, type IStreamingConnector } from "./both-surfaces.js";

// A connector that passes a client's own property names through accepts keys beyond optionKeys.
const dotted: IStreamingConnector = { ...memoryConnector, name: "dotted", acceptsOption: (key) => key.startsWith("client.") };

describe("IStreamingConnector.acceptsOption", () => {
  it("accepts what it accepts, besides optionKeys", async () => {
    const client = createStreamingClient({ connector: dotted, options: { "client.setting": 1, autoCreateTopics: true } })._unsafeUnwrap();
    const producer = await client.getProducer();
    expect(producer.isOk()).toBe(true);
    await client.disconnect();
  });

  it("what it does not accept is still a VALIDATION error, at createStreamingClient", () => {
    const r = createStreamingClient({ connector: dotted, options: { other: 1 } });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "options.other" } });
  });
});
