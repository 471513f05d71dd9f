// `pnpm test:reliability`: the reliability suite of every connector against the harness broker.
// Writes reports/vitest/reliability.json (counted by the test summary) and prints the figures
// the tests measured (for docs/reliability.md).
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
mkdirSync(join(root, "reports", "vitest"), { recursive: true });
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const run = spawnSync(
  process.execPath,
  [vitest, "run", "--config", "vitest.reliability.config.ts", "--reporter=default", "--reporter=json", `--outputFile.json=${join(root, "reports", "vitest", "reliability.json")}`, ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);
process.exit(run.status ?? 1);
