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
  "ignores-pause": /every partition paused is idle/,
  "never-reports-revoked": /paused partition taken away by a rebalance/,
  "keyless-one-partition": /key-less messages spread over every partition/,
};

/**
 * Faults core repairs for every connector (it drops internal topics, sorts partitions, keeps
 * the topic asked for, and hands nothing to a handler once it stopped, whatever the driver
 * still fetches): the suite passes with them, and the tests that look at each pass.
 */
const REPAIRED: Record<string, RegExp> = {
  "stop-does-nothing": /stop policy stopped it, a consumer is idle/,
  "lists-internal-topics": /creates, lists, describes and deletes topics/,
  "unsorted-partitions": /creates, lists, describes and deletes topics/,
  "committed-ignores-topic": /fetchCommittedOffsets matches what was committed/,
};

describe("the conformance suite has teeth", () => {
  it.concurrent.each(Object.entries(EXPECTED))("fails the %s variant, on the test that names it", async (variant, test) => {
    const { code, failed } = await runVariant(variant);
    expect(code).not.toBe(0);
    expect(failed.some((name) => test.test(name))).toBe(true);
  }, 120_000);

  it.concurrent.each(Object.entries(REPAIRED))("passes with the %s fault, which core repairs", async (variant, test) => {
    const { code, failed, report } = await runVariant(variant);
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    const looked = report.testResults.flatMap((f) => f.assertionResults).filter((a) => test.test(a.fullName));
    expect(looked.length).toBeGreaterThan(0);
    expect(looked.every((a) => a.status === "passed")).toBe(true);
  }, 120_000);
});
