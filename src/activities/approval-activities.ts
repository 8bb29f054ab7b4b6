/**
 * The durable tool call's activities: storing the decision (or the expiry) and, for background calls, adding the
 * result to the thread once it lands. Both are idempotent: the first decision and the first result stand.
 */
import { Context } from '@temporalio/activity';
import { recordApprovalDecision } from '../completions/approvals.js';
import { deliverBackgroundResult } from '../completions/tool-calls.js';
import type { RecordDecisionInput, ToolCallInput } from '../workflows/definitions.js';
import { activityOrigin } from './activity-origin.js';
import type { ActivityDeps } from './deps.js';

export function createApprovalActivities(deps: ActivityDeps) {
  return {
    recordApprovalDecision: (input: RecordDecisionInput): Promise<void> =>
      recordApprovalDecision(deps, activityOrigin(), input, { retried: Context.current().info.attempt > 1 }),
    deliverBackgroundResult: (input: ToolCallInput): Promise<void> => deliverBackgroundResult(deps, input),
  };
}
