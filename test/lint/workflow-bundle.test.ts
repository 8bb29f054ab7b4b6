import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { bundleWorkflows } from '../../src/runtime/bundle-workflows.js';

/** What the workflow sandbox needs, and nothing a tool or a configuration module could bring along. */
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'long', 'ms', 'nexus-rpc'];

/**
 * The bundled modules that are neither a file of src/workflows nor an allowed package. Webpack names each
 * module in a `/***\/ "<path>"` line; `?<hash>` entries are the Node built-ins Temporal stubs out.
 */
function outsiders(code: string): string[] {
  const ids = [...code.matchAll(/^\/\*{3}\/ "([^"]+)"/gm)].map((match) => match[1]!);
  expect(ids.length).toBeGreaterThan(0);
  return ids.filter((id) => {
    if (id.startsWith('?')) return false;
    const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id);
    return inPackage ? !ALLOWED_PACKAGES.includes(inPackage[1]!) : !id.startsWith('./src/workflows/');
  });
}

describe('the workflow bundle holds workflow code only', () => {
  it('bundles nothing but src/workflows and the Temporal workflow runtime', () => {
    expect(outsiders(readFileSync(inject('workflowBundlePath'), 'utf8'))).toEqual([]);
  });

  it('names the module that drags tool code into the bundle', async () => {
    const { code } = await bundleWorkflows(fileURLToPath(new URL('./fixtures/leaky-workflows.ts', import.meta.url)));
    const found = outsiders(code);
    expect(found).toContain('./test/lint/fixtures/leaky-tool.ts');
    expect(found.some((id) => id.includes('node_modules/zod/'))).toBe(true);
  });
});
