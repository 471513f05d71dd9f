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

function runVariant(variant: string, groups = ""): Promise<{ code: number; failed: string[]; report: JsonReport }> {
  const out = join(mkdtempSync(join(tmpdir(), "qi-teeth-")), "report.json");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestBin, "run", "--config", "vitest.variants.config.ts", "--reporter=json", `--outputFile=${out}`],
      { cwd: root, env: { ...process.env, QI_BROKEN_VARIANT: variant, QI_VARIANT_GROUPS: groups }, maxBuffer: 64 * 1024 * 1024 },
      (error) => {
        const report = JSON.parse(readFileSync(out, "utf8")) as JsonReport;
        const failed = report.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === "failed").map((a) => a.fullName));
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, failed, report });
      },
    );
  });
}

/**
 * Each broken variant, the test that must fail, and its group: a broken variant runs only that
 * group (the whole suite against a broken connector mostly waits out timeouts elsewhere).
 */
const EXPECTED: Record<string, [RegExp, string]> = {
  "headers-dropped": [/round trip keeps key, value .* headers/, "producer"],
  "commit-off-by-one": [/committed offset is the next offset to read/, "offsets"],
  "wrong-partitioner": [/Java murmur2 partition/, "producer"],
  "throws-instead-of-error": [/TOPIC_ALREADY_EXISTS|deleting a missing topic is NOT_FOUND/, "admin"],
  "commit-before-handler": [/nothing is committed before its handler succeeded/, "consumer"],
  "resends-whole-request": [/written exactly once/, "delivery"],
  "failed-batch-all-not-written": [/the error says which were written/, "delivery"],
  "ignores-pause": [/every partition paused is idle/, "consumer"],
  "never-reports-revoked": [/paused partition taken away by a rebalance/, "groups"],
  "keyless-one-partition": [/key-less messages spread over every partition/, "producer"],
  "abort-commits": [/aborted records are never seen by read_committed/, "transactions"],
};

/**
 * Faults core repairs for every connector, each run against the whole suite (core drops internal topics, sorts partitions, keeps
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
  it.concurrent.each(Object.entries(EXPECTED))("fails the %s variant, on the test that names it", async (variant, [test, group]) => {
    const { code, failed } = await runVariant(variant, group);
    expect(code).not.toBe(0);
    expect(failed.some((name) => test.test(name))).toBe(true);
  }, 300_000);

  it.concurrent.each(Object.entries(REPAIRED))("passes with the %s fault, which core repairs", async (variant, test) => {
    const { code, failed, report } = await runVariant(variant);
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    const looked = report.testResults.flatMap((f) => f.assertionResults).filter((a) => test.test(a.fullName));
    expect(looked.length).toBeGreaterThan(0);
    expect(looked.every((a) => a.status === "passed")).toBe(true);
  }, 300_000);
});
