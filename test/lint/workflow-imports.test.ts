import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// The snippets are not files on disk, so the project service cannot type them; the import rule needs no types.
const eslint = new ESLint({ cwd: REPO, overrideConfig: tseslint.configs.disableTypeChecked });

/** The sources of the import lines that the workflow import rule reports, linted as if they were in `filePath`. */
async function restrictedImports(code: string, filePath = 'src/workflows/x.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const lines = code.split('\n');
  expect(result?.messages.filter((message) => message.fatal)).toEqual([]);
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports' || message.ruleId === 'no-restricted-syntax')
    .map((message) => /['"]([^'"]+)['"]/.exec(lines[message.line - 1] ?? '')?.[1] ?? `line ${message.line}`);
}

describe('workflow import allow-list', () => {
  it('reports every runtime import that is not the workflow API or a file of src/workflows', async () => {
    const code = [
      "import pg from 'pg';",
      "import { readFileSync } from 'node:fs';",
      "import { createPool } from '../db/pool.js';",
      "import { z } from 'zod';",
      "import { Client } from '@temporalio/client';",
      "import '../llm/openai-provider.js';",
      "export { migrate } from '../db/migrate.js';",
      "import { type Pool, createPool as again } from '../db/pool.js';",
      "await import('./definitions.js');",
      'export const used = [pg, readFileSync, createPool, z, Client, again];',
    ].join('\n');
    expect(await restrictedImports(code)).toEqual([
      'pg',
      'node:fs',
      '../db/pool.js',
      'zod',
      '@temporalio/client',
      '../llm/openai-provider.js',
      '../db/migrate.js',
      '../db/pool.js',
      './definitions.js',
    ]);
  });

  it('allows type imports from anywhere, and the workflow API and src/workflows files at runtime', async () => {
    const code = [
      "import type { Pool } from 'pg';",
      "import { type Activities } from '../activities/index.js';",
      "import type { RunnableToolCall } from '../activities/call-model.js';",
      "export type { LifecycleDeps } from '../completions/lifecycle-deps.js';",
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { ApplicationFailure } from '@temporalio/common';",
      "import { STATUS_ATTRIBUTE } from './definitions.js';",
      'export type Used = [Pool, Activities, RunnableToolCall];',
      'export const used = [proxyActivities, ApplicationFailure, STATUS_ATTRIBUTE];',
    ].join('\n');
    expect(await restrictedImports(code)).toEqual([]);
  });

  it('holds for the workflow code in the repository', async () => {
    const results = await eslint.lintFiles(['src/workflows']);
    const reported = results.flatMap((result) =>
      result.messages.filter((message) => message.fatal || message.ruleId?.startsWith('no-restricted-')),
    );
    expect(results.length).toBeGreaterThan(0);
    expect(reported).toEqual([]);
  });

  it('reports the public entry and the configuration loader: user code runs only in activities', async () => {
    const code = [
      "import { defineTool } from 'longhaul';",
      "import { loadProjectConfig } from '../extend/load-project-config.js';",
      "import config from '../../longhaul.config.js';",
      'export const used = [defineTool, loadProjectConfig, config];',
    ].join('\n');
    expect(await restrictedImports(code)).toEqual([
      'longhaul',
      '../extend/load-project-config.js',
      '../../longhaul.config.js',
    ]);
  });

  it('leaves code outside src/workflows alone', async () => {
    expect(await restrictedImports("import pg from 'pg';\nexport const used = pg;", 'src/db/x.ts')).toEqual([]);
  });
});
