// The one build of every published package: ESM + CJS + type declarations (.d.ts and .d.cts)
// with source maps, for Node 22 (or ESM only, for a package no CommonJS program can use: the
// testkit, which vitest refuses to `require`). Each package's tsup.config.ts names only its
// entries and the packages it leaves to its users (peers), e.g.
//   export default defineQiBuild({ entry: ["src/index.ts"], external: ["@qi/streaming", "kafkajs"] });
import { defineConfig, type Options } from "tsup";

export interface QiBuild {
  /** Entry files (a list, or output name → file for names that differ from the file's). */
  entry: string[] | Record<string, string>;
  /** Imports left as imports (peer dependencies); dependencies are external anyway. */
  external?: string[];
  /** Split shared code into chunks in both formats (a package with several entries that share state). */
  splitting?: boolean;
  /** "esm" for an ESM-only package (its package.json then has no `require` conditions); both by default. */
  formats?: "esm-and-cjs" | "esm";
}

export function defineQiBuild({ entry, external = [], splitting, formats = "esm-and-cjs" }: QiBuild) {
  return defineConfig({
    entry,
    external,
    ...(splitting === undefined ? {} : { splitting }),
    format: formats === "esm" ? ["esm"] : ["esm", "cjs"],
    dts: true,
    clean: true,
    // import.meta.url in the CJS build and __dirname/__filename in the ESM build.
    shims: true,
    sourcemap: true,
    target: "node22",
  } satisfies Options);
}
