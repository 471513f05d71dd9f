// `pnpm conformance`: runs every connector's conformance suite against the harness broker,
// prints a matrix (connector × group: passed / skipped / failed), writes
// reports/conformance.json and reports/conformance.md, and exits non-zero if any test failed.
// `--write-docs` also refreshes the matrix in docs/conformance.md.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const reports = join(root, "reports");
const raw = join(reports, "vitest", "conformance.json");
mkdirSync(join(reports, "vitest"), { recursive: true });

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const run = spawnSync(process.execPath, [vitest, "run", "--config", "vitest.conformance.config.ts", "--reporter=default", "--reporter=json", `--outputFile.json=${raw}`, ...process.argv.slice(2).filter((a) => a !== "--write-docs")], { cwd: root, stdio: "inherit" });
if (!existsSync(raw)) {
  console.error("conformance: vitest wrote no report");
  process.exit(run.status || 1);
}

const report = JSON.parse(readFileSync(raw, "utf8"));
const connectors = {};
const GROUPS = ["lifecycle", "producer", "delivery", "consumer", "groups", "offsets", "admin", "admin-groups", "admin-offsets", "events", "errors", "policies", "transactions", "telemetry", "concurrency", "migration"];
for (const file of report.testResults) {
  for (const t of file.assertionResults) {
    const [suite, group] = t.ancestorTitles;
    const m = /^conformance: (.+)$/.exec(suite ?? "");
    if (!m) continue;
    const status = t.status === "passed" ? "passed" : t.status === "failed" ? "failed" : "skipped";
    const c = (connectors[m[1]] ??= { passed: 0, failed: 0, skipped: 0, tests: [] });
    c[status]++;
    c.tests.push({ group, name: t.title, status });
  }
}
writeFileSync(join(reports, "conformance.json"), JSON.stringify({ connectors }, null, 2) + "\n");

const cell = (tests) => {
  if (tests.length === 0) return "–";
  const n = (s) => tests.filter((t) => t.status === s).length;
  return `${n("passed")} ✓` + (n("skipped") ? ` ${n("skipped")} skip` : "") + (n("failed") ? ` **${n("failed")} ✗**` : "");
};
const lines = [
  `| connector | ${GROUPS.join(" | ")} | total |`,
  `|---|${GROUPS.map(() => "---").join("|")}|---|`,
  ...Object.entries(connectors).map(([name, c]) => `| ${name} | ${GROUPS.map((g) => cell(c.tests.filter((t) => t.group === g))).join(" | ")} | ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped |`),
];
const skipped = Object.entries(connectors).flatMap(([name, c]) => c.tests.filter((t) => t.status === "skipped").map((t) => `- ${name} / ${t.group}: ${t.name}`));
const md = [...lines, "", skipped.length ? "Skipped (by capability):" : "Nothing skipped.", ...skipped].join("\n");
writeFileSync(join(reports, "conformance.md"), md + "\n");
console.log("\nConformance matrix\n\n" + md + "\n");

if (process.argv.includes("--write-docs")) {
  const doc = join(root, "docs", "conformance.md");
  const text = readFileSync(doc, "utf8");
  const start = "<!-- matrix:start -->";
  const end = "<!-- matrix:end -->";
  writeFileSync(doc, text.slice(0, text.indexOf(start) + start.length) + "\n" + md + "\n" + text.slice(text.indexOf(end)));
}
const failed = Object.values(connectors).reduce((a, c) => a + c.failed, 0);
const total = Object.values(connectors).reduce((a, c) => a + c.passed + c.failed, 0);
process.exit(failed > 0 || total === 0 || run.status !== 0 ? 1 : 0);
