// One process that loads @qi/streaming by both require() (the CJS build) and import() (the ESM
// build) has one connector registry and one set of memory clusters (src/process-wide.ts). The
// check runs in a plain Node child (test/fixtures/dual-load.mjs) on the built package, as an
// application meets it: build core first (`scripts/qi setup`, or turbo, which builds before test).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { processWide, processWideKey } from "../src/process-wide.js";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/dual-load.mjs", import.meta.url));

describe("one state per process, however the package is loaded", () => {
  it("require() and import() of the builds share the connector registry and the memory clusters", () => {
    for (const file of ["index.cjs", "index.js", "connector-kit.cjs", "connector-kit.js"]) {
      expect(existsSync(`${dist}${file}`), `packages/core/dist/${file} is missing: build core first`).toBe(true);
    }
    const out = execFileSync(process.execPath, [fixture, dist], { encoding: "utf8", timeout: 30_000 });
    const facts = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(facts).toEqual({
      twoCopies: true,
      esmFindsCjs: true,
      cjsFindsEsm: true,
      resolvedName: "dual-cjs",
      esmClientHealthy: true,
      unregisteredForBoth: true,
      sameCluster: true,
      topicsSeenByEsm: ["dual-orders"],
      // Member ids come from the shared cluster: the two consumers are two members and split the partitions.
      handled: { cjs: 10, esm: 10 },
      resetForBoth: true,
    });
  });

  it("a slot of the wrong shape, or a globalThis that refuses it, gives a private value instead of a crash", () => {
    const name = `test-${Math.random().toString(36).slice(2)}`;
    const isMap = (v: unknown): v is Map<string, number> => v instanceof Map;
    const first = processWide(name, 1, () => new Map<string, number>(), isMap);
    expect(processWide(name, 1, () => new Map<string, number>(), isMap)).toBe(first);
    // Another layout is another slot.
    expect(processWide(name, 2, () => new Map<string, number>(), isMap)).not.toBe(first);
    // Something else wrote the slot: not trusted.
    const odd = `test-${Math.random().toString(36).slice(2)}`;
    Object.defineProperty(globalThis, processWideKey(odd, 1), { value: "not a map", configurable: true });
    const own = processWide(odd, 1, () => new Map<string, number>(), isMap);
    expect(own).toBeInstanceOf(Map);
    // A read that throws.
    const hostile = `test-${Math.random().toString(36).slice(2)}`;
    Object.defineProperty(globalThis, processWideKey(hostile, 1), {
      get() {
        throw new Error("no");
      },
      configurable: true,
    });
    expect(processWide(hostile, 1, () => new Map<string, number>(), isMap)).toBeInstanceOf(Map);
  });
});
