/**
 * The completion's side of a step with tool calls: asking for approvals, resuming the segment once decisions are
 * in, closing the step, and the results of calls that failed outright or run in the background. The work is in
 * `src/completions/`; every function there is safe to retry, as Temporal does.
 */
import { requestApprovals, resumeAfterApprovals } from '../completions/approvals.js';
import { endToolStep, recordPendingResult, recordToolFailure } from '../completions/tool-calls.js';
import type {
  EndToolStepInput,
  RecordPendingResultInput,
  RecordToolFailureInput,
  RequestApprovalsInput,
  ResumeAfterApprovalsInput,
} from '../workflows/definitions.js';
import { activityOrigin } from './activity-origin.js';
import type { ActivityDeps } from './deps.js';

export function createToolStepBookkeeping(deps: ActivityDeps) {
  return {
    requestApprovals: (input: RequestApprovalsInput): Promise<void> => requestApprovals(deps, activityOrigin(), input),
    resumeAfterApprovals: (input: ResumeAfterApprovalsInput): Promise<void> => resumeAfterApprovals(deps, input),
    endToolStep: (input: EndToolStepInput): Promise<void> => endToolStep(deps, input),
    recordToolFailure: (input: RecordToolFailureInput): Promise<void> =>
      recordToolFailure(deps, activityOrigin(), input),
    recordPendingResult: (input: RecordPendingResultInput): Promise<void> => recordPendingResult(deps, input),
  };
}
