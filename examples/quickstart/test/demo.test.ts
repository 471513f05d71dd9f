import { describe, expect, it } from "vitest";
import { runDemo } from "../src/demo.js";
import { unwrap } from "@qi/streaming";

describe("quick-start demo on the memory connector", () => {
  it("delivers every message once, spread over partitions and both consumers, in order per key", async () => {
    const result = await runDemo({ connector: "memory" }, { messages: 3000, partitions: 6 });
    expect(result.isOk()).toBe(true);
    const r = unwrap(result);
    expect(r.consumed).toBe(3000);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.orderPerKeyKept).toBe(true);
    expect(Object.keys(r.perPartition)).toHaveLength(6);
    expect(Object.keys(r.perConsumer).sort()).toEqual(["consumer-a", "consumer-b"]);
  });
});

describe("the demo program", () => {
  it("prints its report and exits by itself (no open handle left)", async () => {
    const { execFile } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, [main], { env: { ...process.env, QI_STREAMING_CONNECTOR: "memory", QI_DEMO_MESSAGES: "2000" }, timeout: 30_000 }, (error, stdout) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout }),
      );
      void child;
    });
    expect(code).toBe(0);
    expect(stdout).toContain("nothing lost: yes");
    expect(stdout).toContain("order per key kept: yes");
    // The report shows the API that produced it, and the client libraries do not interleave with it.
    expect(stdout).toContain("examples/quickstart/src/demo.ts");
    expect(stdout).toContain("consumer.run({ eachMessage");
  });
});
