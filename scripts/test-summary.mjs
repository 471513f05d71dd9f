// Sums the vitest JSON reports of every package into one closing line that CI reads:
// "Tests: N passed, N failed, N skipped". Exits non-zero if any test failed or none ran.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "..", "reports", "vitest");
let passed = 0, failed = 0, skipped = 0;
for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : []) {
  const r = JSON.parse(readFileSync(join(dir, file), "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numFailedTestSuites ?? 0) - 0;
  skipped += r.numPendingTests + r.numTodoTests;
  if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) console.error(`${file}: ${r.numFailedTestSuites} test file(s) failed to run`);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
