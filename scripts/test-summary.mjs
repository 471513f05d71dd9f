// Sums the vitest JSON reports of every package into one closing line that CI reads:
// "Tests: N passed, N failed, N skipped". Exits non-zero if any test failed or none ran.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "..", "reports", "vitest");
let passed = 0, failed = 0, skipped = 0;
for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : []) {
  const r = JSON.parse(readFileSync(join(dir, file), "utf8"));
  passed += r.numPassedTests;
  // A file that failed without a failing test (it could not load, a hook threw) counts once.
  const brokenFiles = r.testResults.filter((t) => t.status === "failed" && !t.assertionResults.some((a) => a.status === "failed"));
  failed += r.numFailedTests + brokenFiles.length;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const t of brokenFiles) console.error(`${file}: ${t.name} failed to run: ${String(t.message ?? "").slice(0, 300)}`);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
