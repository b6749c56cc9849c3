// ESLint (flat config) for the browser ES modules under src/aicoach/web/static/js. `make lint`
// runs it; the vendored libraries are third-party code and are not linted.

import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["src/aicoach/web/static/vendor/**", "node_modules/**", ".venv/**", "test-artifacts/**"] },
  js.configs.recommended,
  {
    files: ["src/aicoach/web/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      "no-shadow": ["error", { builtinGlobals: false }],
      "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
      "no-implicit-globals": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-throw-literal": "error",
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    // Browser-side test helpers, should tests grow any: modules in the page, like the app's.
    files: ["tests/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
  },
  {
    // A classic (deferred) script, not a module: it exposes nothing and imports nothing.
    files: ["src/aicoach/web/static/js/kit/monitoring.js"],
    languageOptions: { sourceType: "script" },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
];
