// Checks every publishable package the way a registry user meets it: publint (package.json,
// exports, files) and @arethetypeswrong/cli (types resolve for ESM, CJS, node10 and bundlers).
// Profile node16: the packages need Node 22+, so node10-style resolution of subpaths does not apply;
// profile esm-only for a package published without CommonJS (no `require` condition in its exports:
// the testkit), where a CommonJS importer is not supported by design.
// Run after a build. Exits non-zero on any problem.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
let failed = 0;
for (const dir of readdirSync(join(root, "packages"))) {
  const pkgDir = join(root, "packages", dir);
  const manifest = join(pkgDir, "package.json");
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, "utf8"));
  if (pkg.private) continue;
  const esmOnly = !JSON.stringify(pkg.exports ?? {}).includes('"require"');
  for (const [tool, args] of [["publint", ["--strict"]], ["attw", ["--pack", ".", "--profile", esmOnly ? "esm-only" : "node16"]]]) {
    const r = spawnSync(bin(tool), args, { cwd: pkgDir, encoding: "utf8" });
    const ok = r.status === 0;
    console.log(`${ok ? "ok  " : "FAIL"} ${tool.padEnd(8)} ${pkg.name}${esmOnly ? " (ESM only)" : ""}`);
    if (!ok) {
      failed++;
      console.log((r.stdout + r.stderr).trim());
    }
  }
}
process.exit(failed ? 1 : 0);
