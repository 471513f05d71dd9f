// Lint for every package. Source files get type-aware rules that guard the contract: no ignored
// Result, no floating promise.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import mustUseResult from "./eslint-rules/must-use-result.js";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", ".toolchain/**", ".cache/**", "**/*.config.ts", "**/scripts/**", "**/.dbg*"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["packages/*/src/**/*.ts", "examples/*/src/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { qi: { rules: { "must-use-result": mustUseResult } } },
    rules: {
      "qi/must-use-result": "error",
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
);
