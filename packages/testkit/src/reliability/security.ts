/**
 * Authentication, and unreachable or closed brokers: errors arrive classified and within the
 * configured timeout (plus one second), and a password appears in no error, log or output.
 */
import { createStreamingClient, type QiError, type Result, type ResultAsync } from "@qi/streaming";
import { expect } from "vitest";
import { startKafka } from "../harness/broker.js";
import { must, mustFail } from "../suite/bed.js";
import { defineGroup } from "../suite/group.js";
import type { ReliabilityOptions } from "./options.js";

const TIMEOUTS = { connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 } };
const LIMIT = TIMEOUTS.connectionTimeout + TIMEOUTS.requestTimeout + 1000;

/** Captures everything written to stdout and stderr while `fn` runs. */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ value: T; output: string }> {
  let output = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tap = (write: typeof out) => ((chunk: unknown, ...rest: unknown[]) => ((output += String(chunk)), (write as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof out;
  process.stdout.write = tap(out);
  process.stderr.write = tap(err);
  try {
    return { value: await fn(), output };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

async function timed(call: () => Promise<Result<unknown, QiError>> | ResultAsync<unknown, QiError>): Promise<{ error: QiError; ms: number }> {
  const started = Date.now();
  const error = mustFail(await call());
  return { error, ms: Date.now() - started };
}

/** Security group: wrong SASL credentials, unreachable and closed brokers, secrets kept out of errors and logs. */
export const securityTests = defineGroup<ReliabilityOptions>("security", ({ test, options }) => {
  test("wrong SASL credentials give AUTHENTICATION in time; the password is in no error, log or output", async (bed) => {
    const sasl = options.sasl?.();
    if (!sasl) throw new Error("the suite was given no SASL endpoint (options.sasl)");
    const password = `not-the-password-${bed.name("pw")}`;
    const { value, output } = await captureOutput(async () => {
      const results: { error: QiError; ms: number }[] = [];
      for (const mechanism of ["plain", "scram-sha-256"] as const) {
        const username = mechanism === "plain" ? sasl.plain.username : (sasl.scram256?.username ?? sasl.plain.username);
        const client = bed.client({ brokers: sasl.brokers, ...TIMEOUTS, security: { sasl: { mechanism, username, password } } });
        const admin = must(await client.getAdmin());
        results.push(await timed(async () => { const c = await admin.connect(); return c.isOk() ? admin.listTopics() : c; }));
        const producer = must(await client.getProducer());
        results.push(await timed(async () => { const c = await producer.connect(); return c.isOk() ? producer.send(bed.name("t"), { value: "x" }) : c; }));
      }
      return results;
    });
    for (const { error, ms } of value) {
      expect(error.category).toBe("AUTHENTICATION");
      expect(ms).toBeLessThan(LIMIT);
      expect(JSON.stringify({ ...error, cause: String(error.cause) })).not.toContain(password);
    }
    expect(output).not.toContain(password);
    expect(bed.logs.join("\n")).not.toContain(password);
    bed.report(`wrong credentials: AUTHENTICATION after ${Math.max(...value.map((v) => v.ms))} ms at most`);
  }, { needs: ["sasl"] });

  test("connect, send and run fail with CONNECTION or TIMEOUT within the timeout plus one second on an unreachable broker", async (bed) => {
    const client = bed.client({ brokers: ["127.0.0.1:9"], ...TIMEOUTS });
    const producer = must(await client.getProducer());
    const consumer = must(await client.getConsumer({ groupId: bed.name("g") }));
    const results = [
      await timed(() => producer.connect()),
      await timed(async () => { const c = await consumer.connect(); return c.isOk() ? consumer.subscribe({ topics: ["t"] }).andThen(() => consumer.run({ eachMessage: () => {} })) : c; }),
    ];
    for (const { error, ms } of results) {
      expect(["CONNECTION", "TIMEOUT"]).toContain(error.category);
      expect(ms).toBeLessThan(LIMIT);
    }
    bed.report(`unreachable broker: failed after ${Math.max(...results.map((r) => r.ms))} ms at most`);
  }, { needs: ["network"] });

  test("send and run fail with CONNECTION or TIMEOUT within the timeout plus one second once the broker is closed", async (bed) => {
    const kafka = await startKafka({ log: () => {} });
    try {
      const client = must(createStreamingClient(bed.baseConfig({ brokers: kafka.brokers, ...TIMEOUTS })));
      const admin = must(await client.getAdmin());
      must(await admin.connect());
      const topic = bed.name("closed");
      must(await admin.createTopics([{ topic }]));
      const producer = must(await client.getProducer());
      must(await producer.connect());
      must(await producer.send(topic, { value: "before" }));
      const consumer = must(await client.getConsumer({ groupId: bed.name("g") }));
      must(await consumer.connect());
      must(await consumer.subscribe({ topics: [topic] }));
      await kafka.stop();
      const results = [await timed(() => producer.send(topic, { value: "after" })), await timed(() => consumer.run({ eachMessage: () => {} }))];
      for (const { error, ms } of results) {
        expect(["CONNECTION", "TIMEOUT"]).toContain(error.category);
        expect(ms).toBeLessThan(LIMIT);
      }
      bed.report(`closed broker: send and run failed after ${Math.max(...results.map((r) => r.ms))} ms at most`);
      must(await client.disconnect());
    } finally {
      await kafka.stop();
    }
  }, { needs: ["network"], timeout: 60_000 });
});
