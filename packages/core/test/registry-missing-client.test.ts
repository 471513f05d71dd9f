import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BUILTINS, resolveConnector } from "../src/registry.js";

// A module outside the repository that imports the client library: Node cannot find it from
// there, so the error is Node's own ("Cannot find package 'kafkajs' imported from ..."), as when
// the app installed @qi/streaming-kafkajs but not kafkajs.
function moduleImporting(specifier: string): () => Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), "qi-missing-"));
  const file = join(dir, "connector.mjs");
  writeFileSync(file, `import ${JSON.stringify(specifier)};\nexport const connector = {};\n`);
  return () => import(pathToFileURL(file).href);
}

const saved = new Map(Object.entries(BUILTINS).map(([name, b]) => [name, b.load]));
afterEach(() => {
  for (const [name, load] of saved) (BUILTINS[name] as { load: unknown }).load = load;
});

describe("a connector package whose client library is not installed", () => {
  it.each([
    ["kafkajs", "kafkajs"],
    ["confluent", "@confluentinc/kafka-javascript"],
    ["platformatic", "@platformatic/kafka"],
  ])("%s: the error names the package to install (%s), not the connector", async (name, client) => {
    (BUILTINS[name] as { load: unknown }).load = moduleImporting(client);
    const e = (await resolveConnector(name))._unsafeUnwrapErr();
    expect(e).toMatchObject({ category: "NOT_FOUND", code: "CONNECTOR_NOT_INSTALLED" });
    expect(e.message).toContain(`npm install ${client}`);
    expect(e.message).not.toContain("@qi/streaming-");
  });

  it("a missing connector package names the connector package and its client library", async () => {
    (BUILTINS.kafkajs as { load: unknown }).load = moduleImporting("@qi/streaming-kafkajs");
    const e = (await resolveConnector("kafkajs"))._unsafeUnwrapErr();
    expect(e.message).toContain("npm install @qi/streaming-kafkajs kafkajs");
  });

  it("a load that throws synchronously is an error, not a throw", async () => {
    (BUILTINS.kafkajs as { load: unknown }).load = () => {
      throw new Error("boom");
    };
    expect((await resolveConnector("kafkajs"))._unsafeUnwrapErr().code).toBe("CONNECTOR_NOT_INSTALLED");
  });
});
