/**
 * The suite has teeth: run against each deliberately broken memory connector, it fails, and it
 * fails on the test that names the broken behaviour.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitestBin = join(root, "node_modules", "vitest", "vitest.mjs");

interface JsonReport {
  numFailedTests: number;
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

function runVariant(variant: string): Promise<{ code: number; failed: string[]; report: JsonReport }> {
  const out = join(mkdtempSync(join(tmpdir(), "qi-teeth-")), "report.json");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestBin, "run", "--config", "vitest.variants.config.ts", "--reporter=json", `--outputFile=${out}`],
      { cwd: root, env: { ...process.env, QI_BROKEN_VARIANT: variant }, maxBuffer: 64 * 1024 * 1024 },
      (error) => {
        const report = JSON.parse(readFileSync(out, "utf8")) as JsonReport;
        const failed = report.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === "failed").map((a) => a.fullName));
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, failed, report });
      },
    );
  });
}

const EXPECTED: Record<string, RegExp> = {
  "headers-dropped": /round trip keeps key, value .* headers/,
  "commit-off-by-one": /committed offset is the next offset to read/,
  "wrong-partitioner": /Java murmur2 partition/,
  "throws-instead-of-error": /TOPIC_ALREADY_EXISTS|deleting a missing topic is NOT_FOUND/,
  "commit-before-handler": /nothing is committed before its handler succeeded/,
  "resends-whole-request": /written exactly once/,
  "failed-batch-all-not-written": /the error says which were written/,
};

describe("the conformance suite has teeth", () => {
  it.concurrent.each(Object.entries(EXPECTED))("fails the %s variant, on the test that names it", async (variant, test) => {
    const { code, failed } = await runVariant(variant);
    expect(code).not.toBe(0);
    expect(failed.some((name) => test.test(name))).toBe(true);
  }, 120_000);
});
