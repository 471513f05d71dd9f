/**
 * For a network connector's unit tests (no broker): what a failed connect writes to the logger
 * at the default level (warn). One line per event, no stack, nothing once `disconnect()`
 * resolved. The broker address is a closed local port.
 *
 * ```ts
 * test("a failed connect logs one line per event", () => expectFailedConnectLogs(myConnector), 30_000);
 * ```
 */
import { createStreamingClient, type IStreamingConnector } from "@qi/streaming";
import { expect } from "vitest";

/** Connects a producer to 127.0.0.1:1, disconnects the client, and checks every line logged. */
export async function expectFailedConnectLogs(connector: IStreamingConnector): Promise<void> {
  const lines: { at: number; line: string }[] = [];
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push({ at: Date.now(), line: `${level} ${message} ${meta ? JSON.stringify(meta) : ""}` });
  const created = createStreamingClient({
    connector,
    brokers: ["127.0.0.1:1"],
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 },
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
  });
  if (created.isErr()) throw new Error(`createStreamingClient: ${created.error.code}: ${created.error.message}`);
  const client = created.value;
  const producer = await client.getProducer();
  if (producer.isErr()) throw new Error(`getProducer: ${producer.error.code}: ${producer.error.message}`);
  expect((await producer.value.connect()).isErr()).toBe(true);
  void (await client.disconnect());
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
}
