/**
 * Bundles the workflow code once per run, as test/global-setup.ts does, so worker start-up is not part of any
 * figure (and a production worker that re-bundled would be measured wrongly).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../src/runtime/create-worker.js';

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export async function bundleWorkflows(): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return { code };
}
