// The demo program on a broker connector chosen by environment, against the harness broker
// (run by `pnpm conformance`), exactly as `QI_STREAMING_CONNECTOR=kafkajs ./scripts/qi demo` runs it.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { kafkaTestBrokers } from "@qi/streaming-testkit";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));

describe("quick-start demo on kafkajs and the harness broker", () => {
  it("delivers every message once, over both consumers, in order per key", async () => {
    const env = { ...process.env, QI_STREAMING_CONNECTOR: "kafkajs", QI_STREAMING_BROKERS: kafkaTestBrokers().join(","), QI_DEMO_MESSAGES: "2000" };
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ["dist/main.js"], { cwd: dir, env, timeout: 110_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
      ),
    );
    expect({ code, stderr: stderr.slice(0, 500) }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(stdout).toContain('connector "kafkajs"');
    expect(stdout).toContain("consumed 2000 (duplicates 0)");
    expect(stdout).toContain("nothing lost: yes");
    expect(stdout).toContain("order per key kept: yes");
  }, 120_000);
});
