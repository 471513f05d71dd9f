// Counts the symbols (values and types) each public entry of @qi/streaming exports, from the
// built declaration files: `node scripts/count-exports.mjs`. Issue 14 caps the root entry at ~50.
import { createRequire } from "node:module";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const ts = createRequire(join(root, "package.json"))("typescript");
const entries = { "@qi/streaming": "packages/core/dist/index.d.ts", "@qi/streaming/connector": "packages/core/dist/connector-kit.d.ts" };
const program = ts.createProgram(Object.values(entries).map((f) => join(root, f)), { skipLibCheck: true });
const checker = program.getTypeChecker();
for (const [name, file] of Object.entries(entries)) {
  const source = program.getSourceFile(join(root, file));
  const symbols = checker.getExportsOfModule(checker.getSymbolAtLocation(source));
  console.log(`${name}: ${symbols.length} exports`);
  if (process.argv.includes("--list")) console.log("  " + symbols.map((s) => s.name).sort().join(", "));
}
