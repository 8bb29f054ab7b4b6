import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SHOP = fileURLToPath(new URL('./fixtures/shop/', import.meta.url));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

/** tsc over a project directory, as a user would run it; resolves with its exit code and diagnostics. */
async function typeCheck(dir: string): Promise<{ code: number; output: string }> {
  return promisify(execFile)(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], { cwd: REPO }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  );
}

// tsc over all of src/ takes some 20 s of CPU: on a machine shared with other runs that is minutes of wall time.
describe('a configuration module type-checks against the longhaul package', { timeout: 240_000 }, () => {
  // Inside the package, so `import ... from 'longhaul'` resolves through package.json "exports" as it would
  // for a project that depends on Longhaul.
  const scratch = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.typecheck-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('compiles the shop example, which imports only from longhaul', async () => {
    expect(await typeCheck(SHOP)).toEqual({ code: 0, output: '' });
  });

  it("reports a mistake in a tool's input and an unknown mode", async () => {
    copyFileSync(join(SHOP, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
    writeFileSync(
      join(scratch, 'longhaul.config.ts'),
      [
        "import { z } from 'zod';",
        "import { defineConfig, defineTool } from 'longhaul';",
        'export default defineConfig({',
        '  tools: [',
        '    defineTool({',
        "      name: 'refund',",
        "      description: 'Refunds.',",
        "      mode: 'sometimes',",
        '      input: z.object({ amount: z.number() }),',
        '      requiresApproval: (input) => input.amout > 100,',
        '      execute: async (input) => ({ refunded: input.amount }),',
        '    }),',
        '  ],',
        '});',
      ].join('\n'),
    );
    const { code, output } = await typeCheck(scratch);
    expect(code).not.toBe(0);
    expect(output).toContain(`Type '"sometimes"' is not assignable to type 'ToolMode'`);
    expect(output).toContain(`Property 'amout' does not exist`);
  });
});
