import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './create-worker.js';

/** Bundler log lines below warn are webpack's progress: noise in test and bench output. */
const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/**
 * Bundles workflow code once, so workers created from the bundle start in milliseconds (tests, benchmarks, and
 * the replay suite, which bundles deliberately altered entry points too).
 */
export async function bundleWorkflows(workflowsPath: string = WORKFLOWS_PATH): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return { code };
}
