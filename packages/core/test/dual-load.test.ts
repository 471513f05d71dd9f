// One process that loads @qi/streaming by both require() (the CJS build) and import() (the ESM
// build) has one connector registry and one set of memory clusters (src/process-wide.ts). The
// check runs in a plain Node child (test/fixtures/dual-load.mjs) on the built package, as an
// application meets it: build core first (`scripts/qi setup`, or turbo, which builds before test).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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
      secretAcrossCopies: true,
    });
  });

  it("a connector package found from the application's folder is loaded in the build's own format", () => {
    // An application folder whose node_modules holds a stand-in @qi/streaming-kafkajs with an ESM
    // and a CJS entry; core (in this repo) cannot see it from its own location, so it falls back
    // to the application's. The ESM build must import the ESM entry (require.resolve gives the
    // CJS one: a CJS connector kit beside ESM core), the CJS build must require the CJS entry.
    const app = mkdtempSync(join(tmpdir(), "qi-dual-"));
    try {
      const pkg = join(app, "node_modules", "@qi", "streaming-kafkajs");
      mkdirSync(pkg, { recursive: true });
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
      const exportsMap = { ".": { import: { types: "./index.d.ts", default: "./index.js" }, require: { types: "./index.d.cts", default: "./index.cjs" } }, "./package.json": "./package.json" };
      writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@qi/streaming-kafkajs", type: "module", exports: exportsMap }));
      const body = (format: string): string =>
        `globalThis.qiStandInLoaded = "${format}"; const f = () => {}; const connector = { name: "kafkajs", capabilities: { network: true }, createProducer: f, createConsumer: f, createAdmin: f, healthCheck: f };`;
      writeFileSync(join(pkg, "index.js"), `${body("esm")} export { connector };`);
      writeFileSync(join(pkg, "index.cjs"), `${body("cjs")} module.exports = { connector };`);
      const kitEsm = pathToFileURL(`${dist}connector-kit.js`).href;
      // Without NODE_PATH: pnpm's bin shims (vitest's) set it to the store's hoisted folder, where require() would find the real connector.
      const env = { ...process.env, NODE_PATH: "" };
      const esm = execFileSync(process.execPath, ["--input-type=module", "-e", `const k = await import(${JSON.stringify(kitEsm)}); const r = await k.resolveConnector("kafkajs"); console.log(r.isOk(), globalThis.qiStandInLoaded);`], { cwd: app, env, encoding: "utf8", timeout: 30_000 });
      const cjs = execFileSync(process.execPath, ["-e", `require(${JSON.stringify(`${dist}connector-kit.cjs`)}).resolveConnector("kafkajs").then((r) => console.log(r.isOk(), globalThis.qiStandInLoaded));`], { cwd: app, env, encoding: "utf8", timeout: 30_000 });
      expect({ esm: esm.trim(), cjs: cjs.trim() }).toEqual({ esm: "true esm", cjs: "true cjs" });
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
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
