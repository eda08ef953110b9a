// Flat config. Workflow and domain code must stay deterministic and bundleable, so
// they may not import Node builtins, I/O libraries or activity implementations.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'http',
  'https',
  'net',
  'tls',
  'crypto',
  'child_process',
  'process',
  'timers',
  'dns',
  'stream',
  'events',
  'worker_threads',
  'cluster',
  'zlib',
  'readline',
  'v8',
  'vm',
];
const banned = [
  ...nodeBuiltins.flatMap((m) => [m, `node:${m}`]),
  'axios',
  '@kubernetes/client-node',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['build/**', 'node_modules/**', 'coverage/**', 'jest.config.js', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: banned.map((name) => ({ name, message: 'workflow and domain code must stay deterministic (no I/O)' })),
          patterns: [
            {
              group: ['**/activities/*', '**/activities'],
              allowTypeImports: true,
              message: 'import activities with `import type` only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: banned.map((name) => ({ name, message: 'domain/ is pure: no I/O' })),
          patterns: [
            { group: ['../*', '!./*'], message: 'domain/ imports nothing outside itself' },
            { group: ['@temporalio/*'], message: 'domain/ does not depend on Temporal' },
          ],
        },
      ],
    },
  },
  {
    files: [
      'test/**/*.ts',
      'bench/**/*.ts',
      'demo/**/*.ts',
      'hack/**/*.ts',
      'ufm-simulator/main.ts',
      'workers/main*.ts',
      'watcher/main*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
);
