// Lint rules that catch what tests find late: promises nobody awaits, and I/O or
// Node built-ins creeping into deterministic workflow code.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['assert', 'buffer', 'child_process', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'net', 'os', 'path', 'process', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'db/migrations/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...nodeBuiltins.map((name) => `node:${name}`), 'postgres', 'drizzle-orm', 'nodemailer', 'koa', 'pino'].map((name) => ({
            name,
            message: 'Workflows are deterministic and do no I/O: use an activity.',
          })),
          patterns: [{ group: ['**/activities/**'], message: 'Workflows import activity types only (import type).', allowTypeImports: true }],
        },
      ],
    },
  },
);
