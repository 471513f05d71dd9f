// Every TypeScript sample of the docs typechecks, and every memory sample runs to the end with
// exit code 0. The broker samples are typechecked here and run by samples.broker.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { extractSamples, runSample, runVitestSample, typecheck, writeSamples } from "../src/samples.js";

const samples = extractSamples();
const runnable = samples.filter((s) => s.kind === "memory" || s.kind === "vitest");
const paths = new Map<string, string>();

beforeAll(() => {
  const written = writeSamples(samples, "all");
  samples.forEach((s, i) => paths.set(s.fileName, written[i]!));
});

describe("docs samples", () => {
  it("are found in README.md, docs/ and the package READMEs", () => {
    expect(samples.length).toBeGreaterThan(10);
    expect(samples.filter((s) => s.doc.startsWith("packages/")).map((s) => s.doc)).toEqual(expect.arrayContaining(["packages/core/README.md", "packages/connector-kafkajs/README.md"]));
  });

  it("all typecheck", () => {
    expect(typecheck([...paths.values()])).toEqual([]);
  }, 120_000);

  for (const sample of runnable) {
    it(`${sample.doc}:${sample.line} runs`, async () => {
      const env = { ...process.env, QI_STREAMING_CONNECTOR: "", QI_STREAMING_BROKERS: "" };
      const path = paths.get(sample.fileName)!;
      const r = sample.kind === "vitest" ? await runVitestSample(path, env, 110_000) : await runSample(path, env, 50_000);
      expect(r.code, r.output).toBe(0);
    }, 120_000);
  }
});
