import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { expect, it } from 'vitest';

const eslint = new ESLint({ cwd: fileURLToPath(new URL('../../', import.meta.url)) });

it.each(['src/server.ts', 'test/config.test.ts', 'bench/run.ts'])(
  'lints %s for unhandled promises, with types',
  async (file) => {
    const config = await eslint.calculateConfigForFile(file);
    expect(config.languageOptions.parserOptions.projectService).toBe(true);
    expect(config.rules['@typescript-eslint/no-floating-promises']).toEqual([2]);
    expect(config.rules['@typescript-eslint/no-misused-promises']?.[0]).toBe(2);
  },
);
