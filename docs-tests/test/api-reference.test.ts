// The API reference builds from the JSDoc with no warning (typedoc.json treats warnings as
// errors, and every exported symbol and member must be documented).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../src/samples.js";

it("the TypeDoc API reference builds with every export documented", () => {
  const out = mkdtempSync(join(tmpdir(), "qi-api-"));
  try {
    const typedoc = join(repoRoot, "node_modules", "typedoc", "bin", "typedoc");
    const r = spawnSync(process.execPath, [typedoc, "--out", out, "--logLevel", "Warn"], { cwd: repoRoot, encoding: "utf8" });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 300_000);
