// The docs' broker samples (```ts broker), run against the harness broker by `pnpm conformance`.
// A sample reads the broker from QI_STREAMING_BROKERS, as a user's program would.
import { kafkaTestBrokers } from "@qi/streaming-testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { extractSamples, runSample, writeSamples } from "../src/samples.js";

const samples = extractSamples().filter((s) => s.kind === "broker");
const paths = new Map<string, string>();

beforeAll(() => {
  const written = writeSamples(samples, "broker");
  samples.forEach((s, i) => paths.set(s.fileName, written[i]!));
});

describe("docs broker samples", () => {
  it("exist", () => {
    expect(samples.length).toBeGreaterThan(0);
  });

  for (const sample of samples) {
    it(`${sample.doc}:${sample.line} runs against Kafka`, async () => {
      const env = { ...process.env, QI_STREAMING_BROKERS: kafkaTestBrokers().join(","), QI_STREAMING_CONNECTOR: "" };
      const r = await runSample(paths.get(sample.fileName)!, env, 90_000);
      expect(r.code, r.output).toBe(0);
    }, 120_000);
  }
});
