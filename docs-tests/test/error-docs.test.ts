// docs/errors.md's code tables are generated; this fails when they are stale or a code has no advice.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../src/samples.js";

it("docs/errors.md lists every code core and the connectors emit, with advice", () => {
  const r = spawnSync(process.execPath, [join(repoRoot, "scripts", "gen-error-docs.mjs"), "--check"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
});
