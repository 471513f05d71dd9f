// What a failed connect writes to the logger at the default level (warn): one line per event,
// no stack, nothing once disconnect() resolved. The broker address is a closed local port.
import { createStreamingClient } from "@qi/streaming";
import { expect, test } from "vitest";
import { connector } from "../../src/index.js";

test("a failed connect logs one line per event, no stacks, and nothing after disconnect()", async () => {
  const lines: { at: number; line: string }[] = [];
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push({ at: Date.now(), line: `${level} ${message} ${meta ? JSON.stringify(meta) : ""}` });
  const client = createStreamingClient({
    connector,
    brokers: ["127.0.0.1:1"],
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 },
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
  })._unsafeUnwrap();
  const producer = (await client.getProducer())._unsafeUnwrap();
  expect((await producer.connect()).isErr()).toBe(true);
  await client.disconnect();
  const disconnected = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  const text = lines.map((l) => l.line).join("\n");
  expect(lines.length, text).toBeGreaterThan(0);
  expect(lines.length, text).toBeLessThanOrEqual(6);
  for (const { line } of lines) {
    expect(line, "one line per event").not.toMatch(/\n|\\n/);
    expect(line, "no stack at the default level").not.toMatch(/\s+at\s|"stack"/);
    expect(line, "nothing below warn at the default level").toMatch(/^(warn|error) /);
  }
  expect(lines.filter((l) => l.at > disconnected).map((l) => l.line), "logged after disconnect() resolved").toEqual([]);
}, 30_000);
