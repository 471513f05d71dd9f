// Every publishable package carries its licence and says where it comes from (npm shows these).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../src/samples.js";

const packages = readdirSync(join(repoRoot, "packages"), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(repoRoot, "packages", e.name, "package.json")))
  .map((e) => e.name);

it("finds the publishable packages", () => {
  expect(packages).toEqual(expect.arrayContaining(["core", "connector-kafkajs", "connector-confluent", "connector-platformatic", "testkit"]));
});

for (const dir of packages) {
  it(`packages/${dir}: LICENSE shipped, repository, homepage and bugs set`, () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "packages", dir, "package.json"), "utf8")) as Record<string, unknown>;
    if (pkg.private === true) return;
    expect(pkg.license).toBe("MIT");
    const license = readFileSync(join(repoRoot, "packages", dir, "LICENSE"), "utf8");
    expect(license).toContain("MIT License");
    expect(license).toContain("Copyright (c) 2026 qi-streaming contributors");
    expect(pkg.files).toContain("LICENSE");
    expect(pkg.repository).toMatchObject({ type: "git", directory: `packages/${dir}` });
    expect(String((pkg.repository as { url: string }).url)).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    expect(String(pkg.homepage)).toMatch(/^https:\/\//);
    expect(pkg.bugs).toMatchObject({ url: expect.stringMatching(/^https:\/\/.+\/issues$/) });
  });
}
