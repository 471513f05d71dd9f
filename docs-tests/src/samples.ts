/**
 * The docs' TypeScript samples: every ```ts block of docs/**\/*.md, README.md and packages/*\/README.md, extracted to
 * files, typechecked together with the TypeScript compiler API, and run with Node (which strips
 * the types itself). The fence's info string says how a sample runs:
 *
 * - ```ts          a complete program on the memory connector, run by the plain test task
 * - ```ts broker   a complete program that needs Kafka (QI_STREAMING_BROKERS), run by `pnpm conformance`
 * - ```ts vitest   a vitest test file (a conformance suite), run with vitest
 * - ```ts compile  typechecked only: a file of the reader's own package (a test needing their
 *                  connector and broker harness) that cannot run here as it stands
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import ts from "typescript";

export type SampleKind = "memory" | "broker" | "vitest" | "compile";

export interface Sample {
  /** The markdown file, relative to the repository root. */
  readonly doc: string;
  /** Line of the opening fence (1-based). */
  readonly line: number;
  readonly kind: SampleKind;
  readonly code: string;
  /** File name under the samples folder, e.g. `docs__errors.md__L42.ts`. */
  readonly fileName: string;
}

export const repoRoot = join(import.meta.dirname, "..", "..");
export const samplesDir = join(import.meta.dirname, "..", ".samples");

function markdownFiles(): string[] {
  const out = [join(repoRoot, "README.md")];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) out.push(path);
    }
  };
  walk(join(repoRoot, "docs"));
  // The package READMEs (what npm shows): their samples are compiled and run like the rest.
  const packages = join(repoRoot, "packages");
  for (const entry of readdirSync(packages, { withFileTypes: true })) {
    const readme = join(packages, entry.name, "README.md");
    if (entry.isDirectory() && existsSync(readme)) out.push(readme);
  }
  return out.sort();
}

const FENCE = /^```(\S*)(.*)$/;

/** Every TypeScript sample of the docs, in file and line order. */
export function extractSamples(): Sample[] {
  const samples: Sample[] = [];
  for (const path of markdownFiles()) {
    const doc = relative(repoRoot, path);
    const lines = readFileSync(path, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const open = FENCE.exec(lines[i]!);
      if (!open || !["ts", "typescript"].includes(open[1]!)) continue;
      const tags = open[2]!.trim().split(/\s+/).filter(Boolean);
      const kind: SampleKind = tags.includes("broker") ? "broker" : tags.includes("vitest") ? "vitest" : tags.includes("compile") ? "compile" : "memory";
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !lines[j]!.startsWith("```"); j++) body.push(lines[j]!);
      const base = `${doc.replace(/[\\/]/g, "__")}__L${i + 1}`;
      samples.push({ doc, line: i + 1, kind, code: body.join("\n") + "\n", fileName: kind === "vitest" ? `${base}.test.ts` : `${base}.ts` });
      i = j;
    }
  }
  return samples;
}

/** Writes the samples to a folder under `.samples/` (emptied first) and returns their paths. */
export function writeSamples(samples: readonly Sample[], folder: string): string[] {
  const dir = join(samplesDir, folder);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return samples.map((s) => {
    const path = join(dir, s.fileName);
    writeFileSync(path, s.code);
    return path;
  });
}

/** Typechecks files as one program, with the repo's compiler settings; returns readable diagnostics. */
export function typecheck(files: readonly string[]): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    lib: ["lib.es2023.d.ts"],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    // What Node's type stripping runs: no enums, no parameter properties, no namespaces.
    erasableSyntaxOnly: true,
    allowImportingTsExtensions: true,
    types: ["node"],
    typeRoots: [join(import.meta.dirname, "..", "node_modules", "@types")],
  };
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${relative(samplesDir, d.file.fileName)}:${line + 1}:${character + 1} ${text}`;
  });
}

/** What a sample printed and how it ended. */
export interface RunResult {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

/** Runs a program sample with Node (type stripping), from its folder; kills it after `timeoutMs`. */
export function runSample(path: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  // Node 23.6+ strips types by default; Node 22.6+ needs the flag.
  const strip = Number(process.versions.node.split(".")[0]) < 23 ? ["--experimental-strip-types"] : [];
  return runProcess(process.execPath, [...strip, "--disable-warning=ExperimentalWarning", path], dirname(path), env, timeoutMs);
}

/** Runs a vitest sample with vitest, from its folder. */
export function runVitestSample(path: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  const vitest = join(import.meta.dirname, "..", "node_modules", "vitest", "vitest.mjs");
  // A config of its own, so that docs-tests' config (which excludes nothing but its own tests) is not used.
  const config = join(dirname(path), "vitest.samples.config.mjs");
  writeFileSync(config, `export default { test: { include: ["*.test.ts"], testTimeout: 60000, hookTimeout: 60000 } };\n`);
  return runProcess(process.execPath, [vitest, "run", "--config", config, "--root", dirname(path), basename(path)], dirname(path), env, timeoutMs);
}

function runProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[docs-tests] killed after ${timeoutMs} ms (a sample must end by itself)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}
