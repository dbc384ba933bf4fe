// Lint rules, including the import table of ARCHITECTURE.md: each part may import only the
// parts listed for it, so the boundaries are held by the tool and not by memory.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const PARTS = [
  'domain',
  'store',
  'scheduler',
  'worker',
  'executors',
  'protocol',
  'server',
  'client',
  'cli',
  'lib',
];

/** What each part of src/ may import (besides itself). `lib` holds tiny shared utilities. */
const MAY_USE = {
  domain: [],
  lib: [],
  protocol: [],
  store: ['domain', 'lib'],
  scheduler: ['domain', 'store', 'lib'],
  executors: ['domain', 'lib'],
  worker: ['domain', 'protocol', 'executors', 'lib'],
  server: ['domain', 'store', 'scheduler', 'worker', 'executors', 'protocol', 'lib'],
  client: ['protocol', 'worker', 'lib'],
  cli: ['client', 'server', 'lib'],
};

function boundary(part) {
  const banned = PARTS.filter((p) => p !== part && !MAY_USE[part].includes(p));
  const patterns = banned.map((p) => ({
    regex: `^(\\.\\./)+(src/)?${p}(/|$)`,
    message: `ARCHITECTURE.md: ${part} may not import ${p}.`,
  }));
  if (part === 'domain') {
    patterns.push({ regex: '^node:', message: 'ARCHITECTURE.md: the domain is pure (no I/O).' });
  }
  return {
    files: [`src/${part}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'web/dist/',
      'bench/node_modules/',
      'bench/peers/node_modules/',
      'coverage/',
      'test-artifacts/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...PARTS.map(boundary),
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/**/*.test.ts', 'src/**/testing/**'],
    rules: { 'no-console': 'error' },
  },
  // The web dashboard: a browser app that may use the HTTP API only (ARCHITECTURE.md).
  {
    files: ['web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      'no-console': ['error', { allow: ['warn'] }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(src|test)(/|$)',
              message: 'ARCHITECTURE.md: the web dashboard may use the HTTP API only.',
            },
          ],
        },
      ],
    },
  },
);
