import tseslint from 'typescript-eslint';

/**
 * What workflow code may import at runtime: the Temporal workflow API and the other files of src/workflows/
 * (themselves held to this rule, so the allow-list holds transitively). Anything else is a type-only import or
 * belongs in an activity. A regex, not gitignore-style negation: `*` excludes `@temporalio/` as a directory,
 * and gitignore cannot re-include a file below an excluded directory.
 */
const WORKFLOW_RUNTIME_IMPORTS = /^(?!(?:@temporalio\/(?:workflow|common)|\.\/[\w.-]+\.js)$)/;

export default tseslint.config(
  { ignores: ['node_modules/**', '.longhaul/**', 'web/node_modules/**', 'web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and its ordering.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Tests read API responses as loosely typed JSON and assert their shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O libraries, no Node built-ins, no SDK parts
    // meant for clients, workers or activities.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: WORKFLOW_RUNTIME_IMPORTS.source,
              caseSensitive: true,
              allowTypeImports: true,
              message:
                'Workflow code may import at runtime only @temporalio/workflow, @temporalio/common and ./ files of ' +
                'src/workflows; import this as a type (`import type`), or do the work in an activity.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression',
          message: 'Workflow code imports statically: import() would escape the allow-list above.',
        },
      ],
    },
  },
  {
    // The completion lifecycle is plain code over Postgres and Redis: the worker's activities and the API's
    // services adapt Temporal and HTTP to it, never the other way round.
    files: ['src/completions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/*', 'koa', '@koa/*', '../activities/*', '../api/*'],
              allowTypeImports: true,
              message: 'src/completions imports neither Temporal nor Koa; adapt in src/activities or src/api.',
            },
          ],
        },
      ],
    },
  },
  {
    // Routes speak HTTP; the services passed in through AppDeps reach the data.
    files: ['src/api/routes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../db/*'], message: 'Routes do not import src/db: use a service from AppDeps.' }] },
      ],
    },
  },
);
