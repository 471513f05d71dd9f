// Relative links in the READMEs and docs/ must point at files that exist (docs move; links rot).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../src/samples.js";

function markdownFiles(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? docs(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : []));
  const readmes = ["packages", "examples"].flatMap((top) =>
    readdirSync(join(repoRoot, top), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(repoRoot, top, e.name, "README.md")),
  );
  return [join(repoRoot, "README.md"), ...docs(join(repoRoot, "docs")), ...readmes].filter((f) => existsSync(f));
}

it("every relative link in README.md, docs/ and the package READMEs resolves", () => {
  const broken: string[] = [];
  let checked = 0;
  const files = markdownFiles();
  for (const file of files) {
    // Code blocks hold code, not links.
    const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^([a-z]+:|#)/i.test(target!)) continue; // external or same-page anchor
      const path = target!.split("#")[0]!;
      checked++;
      if (!existsSync(join(dirname(file), path))) broken.push(`${relative(repoRoot, file)} -> ${target}`);
    }
  }
  expect(files.length).toBeGreaterThan(10);
  expect(checked).toBeGreaterThan(30);
  expect(broken).toEqual([]);
});
