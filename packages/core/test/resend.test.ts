import { describe, expect, it } from "vitest";
import { createStreamingClient, mayHaveBeenWritten, messagesToResend, type QiError } from "../src/index.js";

const error = (statuses: ("written" | "not-written" | "unknown")[]): QiError => ({
  code: "REQUEST_TIMED_OUT",
  category: "TIMEOUT",
  message: "m",
  retriable: true,
  context: {},
  outcomes: statuses.map((status, i) => (status === "written" ? { status, topic: "t", partition: 0, offset: String(i) } : { status, topic: "t" })),
});

describe("messagesToResend", () => {
  it("gives back the not-written, and the unknown only when asked", () => {
    const batch = ["a", "b", "c", "d"];
    const e = error(["written", "not-written", "unknown", "not-written"]);
    expect(messagesToResend(batch, e)).toEqual(["b", "d"]);
    expect(messagesToResend(batch, e, { includeUnknown: true })).toEqual(["b", "c", "d"]);
    expect(mayHaveBeenWritten(e)).toBe(true);
    expect(mayHaveBeenWritten(error(["not-written"]))).toBe(false);
  });

  it("an error without outcomes: everything when nothing can have been written, else nothing", () => {
    const base = { message: "m", retriable: false, context: {} };
    expect(messagesToResend([1, 2], { ...base, code: "INVALID_ARGUMENT", category: "VALIDATION" })).toEqual([1, 2]);
    expect(messagesToResend([1, 2], { ...base, code: "X", category: "BROKER" })).toEqual([]);
  });

  it("a send on a producer that is not connected reports its messages not written", async () => {
    const client = createStreamingClient({ connector: "memory", clientId: "resend-test" })._unsafeUnwrap();
    const producer = (await client.getProducer())._unsafeUnwrap();
    const batch = [{ topic: "t", message: { value: "a" } }, { topic: "u", message: { value: "b" } }];
    const failed = (await producer.sendBatch(batch))._unsafeUnwrapErr();
    expect(failed.outcomes).toEqual([{ status: "not-written", topic: "t" }, { status: "not-written", topic: "u" }]);
    expect(messagesToResend(batch, failed)).toEqual(batch);
  });
});

describe("a connector's malformed delivery reports", () => {
  it("are NO_DELIVERY_REPORT with unknown outcomes, never a throw or an unhandled rejection", async () => {
    const { memoryConnector } = await import("../src/connector-kit.js");
    const answers: unknown[] = [[null], "nope", [{ topic: "t" }], [{ get topic(): string { throw new Error("getter"); }, partition: 0, offset: "0" }]];
    let i = 0;
    const broken = {
      ...memoryConnector,
      name: "malformed-reports",
      createProducer(context: Parameters<typeof memoryConnector.createProducer>[0], config: Parameters<typeof memoryConnector.createProducer>[1]) {
        const driver = memoryConnector.createProducer(context, config);
        return { ...driver, connect: () => driver.connect(), partitionCount: (t: string) => driver.partitionCount(t), send: async () => answers[i++ % answers.length] as never, flush: () => driver.flush(), disconnect: () => driver.disconnect(), native: () => undefined, batchesAcrossCalls: true };
      },
    };
    const client = createStreamingClient({ connector: broken, clientId: "malformed" })._unsafeUnwrap();
    const admin = (await client.getAdmin())._unsafeUnwrap();
    await admin.connect();
    await admin.createTopics([{ topic: "t" }]);
    const producer = (await client.getProducer())._unsafeUnwrap();
    await producer.connect();
    for (let k = 0; k < answers.length; k++) {
      const sent = await producer.send("t", { value: "v" });
      expect(sent.isErr() && sent.error.code).toBe("NO_DELIVERY_REPORT");
      expect(sent.isErr() && sent.error.outcomes).toEqual([{ status: "unknown", topic: "t", partition: 0 }]);
    }
    await client.disconnect();
  });
});
