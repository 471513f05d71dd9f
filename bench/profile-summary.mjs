/* global process, console */
// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package, top first.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top] [function]
// With a function name (say eachMessage), only the samples from the first to the last one whose
// stack holds that function count: the rows being measured, not the broker's start or the fill.
import { readFileSync } from "node:fs";
const [file, topArg, within] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const holds = (id) => {
  for (let at = id; at !== undefined; at = parent.get(at)) if (byId.get(at).callFrame.functionName === within) return true;
  return false;
};
let from = 0;
let to = profile.samples.length - 1;
if (within) {
  from = profile.samples.findIndex(holds);
  to = profile.samples.findLastIndex(holds);
  let span = 0;
  for (let i = from + 1; i <= to; i++) span += dt[i] ?? 0;
  console.log(`window: samples ${from} to ${to} (${within} on the stack), ${(span / 1e6).toFixed(1)} s`);
}
for (let i = from; i <= to; i++) {
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (url) => {
  if (!url) return "(native / V8)";
  const m = /node_modules\/\.pnpm\/([^/]+)\//.exec(url) ?? /packages\/([^/]+)\//.exec(url) ?? /\/(bench)\//.exec(url);
  return m ? m[1] : url.startsWith("node:") ? "node internals" : url;
};
const fn = new Map();
const pkg = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const f = n.callFrame;
  const name = `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.replace(/^.*\/(node_modules\/\.pnpm\/[^/]+\/node_modules\/|packages\/)/, "")}:${f.lineNumber + 1}` : ""}`;
  fn.set(name, (fn.get(name) ?? 0) + us);
  const p = ["(idle)", "(program)", "(garbage collector)"].includes(f.functionName) ? f.functionName : where(f.url);
  pkg.set(p, (pkg.get(p) ?? 0) + us);
}
const line = ([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`;
const idle = ["(idle)", "(program)"].reduce((a, k) => a + [...self].filter(([id]) => byId.get(id).callFrame.functionName === k).reduce((b, [, us]) => b + us, 0), 0);
console.log(`total ${(total / 1e6).toFixed(1)} s sampled, busy (not idle or program) ${((total - idle) / 1e6).toFixed(2)} s`);
console.log("by package:");
for (const e of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(line(e));
console.log("by function (self):");
for (const e of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(line(e));
