import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const bannedInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((name) => `node:${name}`),
  'pg',
  'ioredis',
  'openai',
  '@anthropic-ai/sdk',
  'koa',
  '@koa/router',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.longhaul/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read API responses as loosely typed JSON and assert their shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O libraries, no Node built-ins.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: bannedInWorkflows.map((name) => ({
            name,
            message: 'Workflows must stay deterministic: do I/O in an activity.',
            allowTypeImports: true,
          })),
          patterns: [
            { group: ['../activities/*', '../db/*', '../llm/*', '../stream/*', '../api/*'], allowTypeImports: true, message: 'Workflows may import only types from I/O modules.' },
          ],
        },
      ],
    },
  },
);
