/** Hygiene: after disconnect the process exits by itself; connect/disconnect cycles leak nothing. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { defineGroup } from "../suite/group.js";
import type { ReliabilityOptions } from "./options.js";

/** The child script ships in the package's `child/` folder: one level up from dist, two from src. */
export const CHILD_SCRIPT = [new URL("../child/reliability-child.mjs", import.meta.url), new URL("../../child/reliability-child.mjs", import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p))!;

/** Runs the child script with a job; resolves with its exit code, output, run time and the time it exited. */
export function runChild(job: Record<string, unknown>, timeoutMs: number, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; killed: boolean; exitedAt: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, CHILD_SCRIPT], { env: { ...process.env, QI_CHILD: JSON.stringify(job) }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, killed: signal === "SIGKILL", exitedAt: Date.now() });
    });
  });
}

/** Hygiene group: exit by itself after `disconnect()`, and `cycles` connect/disconnect cycles without leaks. */
export const hygieneTests = defineGroup<ReliabilityOptions>("hygiene", ({ test, options }) => {
  test("after client.disconnect() the process exits by itself, and 1,000 connect/disconnect cycles grow neither memory nor handles", async (bed) => {
    const topic = await bed.topic();
    const cycles = options.cycles ?? 1000;
    const { code, stdout, stderr, killed } = await runChild(
      { kind: "hygiene", module: options.connectorModule, exportName: options.connectorExport, brokers: options.config?.().brokers, topic, cycles },
      bed.t(150_000),
      ["--expose-gc"],
    );
    expect({ killed, code, stderr: stderr.slice(0, 400) }).toMatchObject({ killed: false, code: 0 });
    const { before, after } = JSON.parse(stdout.trim().split("\n").pop()!) as { before: { heap: number; handles: number }; after: { heap: number; handles: number } };
    expect(after.handles).toBeLessThanOrEqual(before.handles);
    // Allow for JIT and lazily built caches; a leak of even 1 KiB per cycle would exceed this.
    expect(after.heap - before.heap).toBeLessThan(Math.max(4 * 1024 * 1024, before.heap * 0.25));
  }, { timeout: 180_000, when: options.connectorModule !== undefined });

  /** Every role's connect() fails in a child; it must exit by itself within 1 s of client.disconnect(). */
  async function failedConnect(config: Record<string, unknown>, category: string, timeoutMs: number) {
    const { code, stdout, stderr, killed, exitedAt } = await runChild({ kind: "failed-connect", module: options.connectorModule, exportName: options.connectorExport, ...config }, timeoutMs);
    expect({ killed, code, stderr: stderr.slice(0, 400) }).toMatchObject({ killed: false, code: 0 });
    const { codes, disconnectedAt } = JSON.parse(stdout.trim().split("\n").pop()!) as { codes: string[]; disconnectedAt: number };
    expect(codes.map((c) => c.split("/")[0])).toEqual([category, category, category]);
    const lingered = exitedAt - disconnectedAt;
    if (!(options.knownGaps ?? []).includes("exit-after-failed-connect")) {
      expect(lingered).toBeLessThan(1000);
      return;
    }
    // A declared, documented gap: it still runs, is reported, and fails once the gap is closed
    // (so the declaration is removed then), never passing in silence.
    console.warn(`[hygiene] known gap exit-after-failed-connect: the process exited ${lingered} ms after client.disconnect()`);
    expect(lingered, "the gap is closed: remove exit-after-failed-connect from knownGaps").toBeGreaterThanOrEqual(1000);
  }

  test("after connects that failed (a closed port), client.disconnect() lets the process exit by itself within 1 s", async (bed) => {
    await failedConnect({ brokers: ["127.0.0.1:1"], config: { connectionTimeout: 2000, retry: { retries: 0 } } }, "CONNECTION", bed.t(60_000));
  }, { timeout: 90_000, needs: ["network"], when: options.connectorModule !== undefined });

  test("after connects that failed (a wrong SASL password), client.disconnect() lets the process exit by itself within 1 s", async (bed) => {
    const sasl = bed.options.sasl?.();
    if (!sasl) throw new Error("the suite was given no SASL endpoint (options.sasl)");
    const security = { sasl: { mechanism: "plain", username: sasl.plain.username, password: `wrong-${bed.name("pw")}` } };
    await failedConnect({ brokers: sasl.brokers, config: { connectionTimeout: 3000, retry: { retries: 0 }, security } }, "AUTHENTICATION", bed.t(60_000));
  }, { timeout: 90_000, needs: ["sasl", "network"], when: options.connectorModule !== undefined });
});
