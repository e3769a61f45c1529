// ESLint flat config. Rules that catch bugs, not taste: formatting belongs to Prettier (prettier.config.mjs).
import js from '@eslint/js';
import perfectionist from 'eslint-plugin-perfectionist';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The files that tsconfig.json compiles: only these have type information. */
const TYPED = ['{lib,test,sample,bench}/**/*.ts'];
/** The packaging smoke test's app sources: compiled by their own fixture's tsconfig, inside a temporary app. */
const FIXTURES = ['test/smoke/fixtures/**'];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'sample/.data/**', 'bench/.tmp/**', '.tmp/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { globals: globals.node },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `any` marks the code's deliberate boundaries (untyped requests, test doubles): a style choice here, not a bug.
      '@typescript-eslint/no-explicit-any': 'off',
      // `interface Profile extends App2WxappProfile {}` gives a class its fields by declaration merging.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // Nest's own `exports` type lists `Function` (a class reference); the rule would only reword that.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // `_name` is the code's way of saying "unused on purpose"; `...rest` destructuring omits fields.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // A `let` read by a closure before its one assignment would be in a `const`'s temporal dead zone.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Imports as the code writes them: node: built-ins, then packages, then relative paths. No order within a group.
      'perfectionist/sort-imports': [
        'error',
        {
          type: 'unsorted',
          groups: ['builtin', 'external', ['parent', 'sibling', 'index'], 'unknown'],
          newlinesBetween: 'ignore',
        },
      ],
    },
    plugins: { perfectionist },
  },
  {
    // Promises that nobody awaits or whose rejection nobody handles: these need type information (the TypeScript
    // program of tsconfig.json, the same that `npm run typecheck` builds), about 5 s more per run on 2 cores.
    // `npm run lint` caches per file (node_modules/.cache/eslint): an unchanged file is not linted again, even when a
    // type it uses changed elsewhere. A run without the cache (CI, a fresh clone) sees every file.
    files: TYPED,
    ignores: FIXTURES,
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Promise.all over a mix of promises and plain values is correct JavaScript.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
    },
  },
);
