// ESLint for every package of the workspace: TypeScript type-aware (each package's own
// tsconfig.json), and the JavaScript around it (tests, scripts, bench). Formatting is
// Prettier's (`npm run format`); eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/', '**/build/', 'build-*/', 'prebuilds/', '**/.cache/', 'docs/reference/', '**/node_modules/'],
  },
  // Compiled against the built package by its test (tsc --strict), not part of any project;
  // native/glue.d.ts types a plain CommonJS file beside it.
  { ignores: ['test/fixtures/*.ts', 'native/glue.d.ts'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `_name` marks an argument a signature needs but the body does not.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  prettier,
  {
    // Prettier wraps code at 120 but leaves long strings and comments alone.
    rules: { 'max-len': ['error', { code: 120, ignoreUrls: true }] },
  },
);
