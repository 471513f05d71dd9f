import { describe, expect, it } from "vitest";
import { createStreamingClient, memoryConnector, type IStreamingConnector } from "./both-surfaces.js";

// A connector whose client speaks only the classic protocol (kafkajs's case), and one speaking only KIP-848's.
const classicOnly: IStreamingConnector = { ...memoryConnector, name: "classic-only", capabilities: { ...memoryConnector.capabilities, groupProtocols: ["classic"] } };
const consumerOnly: IStreamingConnector = { ...memoryConnector, name: "consumer-only", capabilities: { ...memoryConnector.capabilities, groupProtocols: ["consumer"] } };

describe("consumer.groupProtocol", () => {
  it("a protocol the connector does not list is UNSUPPORTED at getConsumer, naming the connector and what it speaks", async () => {
    const client = createStreamingClient({ connector: classicOnly })._unsafeUnwrap();
    const error = (await client.getConsumer({ groupId: "g", groupProtocol: "consumer" }))._unsafeUnwrapErr();
    expect(error).toMatchObject({ category: "UNSUPPORTED", context: { connector: "classic-only", field: "consumer.groupProtocol" } });
    expect(error.message).toContain('"consumer"');
    expect(error.message).toContain("classic-only");
    expect(error.message).toContain('"classic"');
    await client.disconnect();
  });

  it("the default (classic) is checked too: a connector without classic refuses a consumer that names none", async () => {
    const client = createStreamingClient({ connector: consumerOnly })._unsafeUnwrap();
    expect((await client.getConsumer({ groupId: "g" }))._unsafeUnwrapErr()).toMatchObject({ category: "UNSUPPORTED", context: { field: "consumer.groupProtocol" } });
    expect((await client.getConsumer({ groupId: "g", groupProtocol: "consumer" })).isOk()).toBe(true);
    await client.disconnect();
  });

  it("a listed protocol is accepted, and the driver receives it resolved", async () => {
    let seen: string | undefined;
    const spy: IStreamingConnector = {
      ...memoryConnector,
      name: "spy",
      createConsumer: (context, config) => {
        seen = config.groupProtocol;
        return memoryConnector.createConsumer(context, config);
      },
    };
    const client = createStreamingClient({ connector: spy })._unsafeUnwrap();
    expect((await client.getConsumer({ groupId: "g" })).isOk()).toBe(true);
    expect(seen).toBe("classic");
    expect((await client.getConsumer({ groupId: "g", groupProtocol: "consumer" })).isOk()).toBe(true);
    expect(seen).toBe("consumer");
    await client.disconnect();
  });

  it("memory speaks both (one in-process behaviour)", async () => {
    const client = createStreamingClient()._unsafeUnwrap();
    for (const groupProtocol of ["classic", "consumer"] as const) expect((await client.getConsumer({ groupId: "g", groupProtocol })).isOk()).toBe(true);
    await client.disconnect();
  });

  it("anything else is a VALIDATION error", async () => {
    const client = createStreamingClient()._unsafeUnwrap();
    const r = await client.getConsumer({ groupId: "g", groupProtocol: "cooperative" as never });
    expect(r._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION" });
    await client.disconnect();
  });
});
