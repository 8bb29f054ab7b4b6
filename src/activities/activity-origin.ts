import { Context } from '@temporalio/activity';
import type { Origin } from '../completions/lifecycle-deps.js';

/** The running activity's workflow execution, stamped on the lifecycle's audit rows (links into the Temporal UI). */
export function activityOrigin(): Origin {
  const execution = Context.current().info.workflowExecution;
  return { workflowId: execution?.workflowId ?? null, runId: execution?.runId ?? null };
}
