// Lint of the canvas front end (`npm run lint`, part of `make test`): ESLint's recommended rules
// and typescript-eslint's, without type information (fast; `tsc` checks the types). The linter
// parses with the TypeScript 6 API that typescript-eslint supports; `npm run typecheck` runs the
// TypeScript 7 compiler (the `typescript7` package).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "../meshlab/static/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // `_x` marks a parameter kept for its position in a callback's signature
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-console": "error",
    },
  },
  {
    // tests may print the figures they measure
    files: ["test/**/*.ts"],
    rules: { "no-console": "off" },
  },
  {
    // build scripts run in node
    files: ["*.mjs", "*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
