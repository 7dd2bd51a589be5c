/**
 * ESLint: the recommended sets plus the type-aware rules that catch async and
 * protocol mistakes the compiler lets through. Formatting is Prettier's job
 * (.prettierrc.json), so no style rules here.
 *
 * Each .ts file is type-checked by the nearest tsconfig.json above it (the
 * project service), the same one `npm run typecheck` compiles it with: web/,
 * test/e2e, test/nat and test/compose have their own, everything else the root's.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'web/dist/', 'coverage/', 'artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits or catches loses its rejection, or crashes the process with it.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async listener or callback whose caller ignores the promise it returns.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A handler in a dispatch table keeps the table's signature; `_message` says it has nothing to read.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // A new message type, state or verdict must be handled wherever its union is switched on.
      // `default` does not count as handling the members it would swallow, so adding one to a
      // union flags every switch that forgot it; a default stays allowed in a switch that names
      // every member, for values that arrive from the wire and may lie about their type.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        {
          considerDefaultExhaustiveForUnions: false,
          allowDefaultCaseForExhaustiveSwitch: true,
          requireDefaultForNonUnion: false,
        },
      ],
    },
  },
);
