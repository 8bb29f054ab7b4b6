/**
 * scheduledRunWorkflow — one run of a scheduled agent, started by its Temporal Schedule.
 *
 * Relies on: deterministic code (the run's key comes from the workflow's seeded `uuid4`, so a replay and every
 * retry of the opening use the same ids); the message staying in Postgres (the input and every result here are
 * ids and codes); the opening being idempotent per run key. The run lasts as long as its completion, so the
 * schedule's SKIP overlap policy skips a firing while the previous answer is still running.
 */
import { executeChild, isCancellation, log, ParentClosePolicy, proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { completionWorkflow } from './completion-workflow.js';
import {
  completionSearchAttributes,
  completionWorkflowId,
  type ScheduledRunInput,
  type ScheduledRunResult,
} from './definitions.js';

const lifecycle = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function scheduledRunWorkflow(input: ScheduledRunInput): Promise<ScheduledRunResult> {
  const opened = await lifecycle.openScheduledTurn({ ...input, runKey: uuid4() });
  if (!opened.ok) {
    log.info('scheduled run skipped', { scheduleId: input.scheduleId, reason: opened.reason });
    return { scheduleId: input.scheduleId, status: 'skipped', reason: opened.reason };
  }
  const { turn } = opened;
  try {
    const result = await executeChild<typeof completionWorkflow>('completionWorkflow', {
      workflowId: completionWorkflowId(turn.completionId),
      args: [turn],
      staticSummary: `scheduled run of ${input.scheduleId} (${turn.agent?.name})`,
      typedSearchAttributes: completionSearchAttributes(turn, turn.afterCompletionId ? 'queued' : 'running'),
      // Cancelling a run stops its answer the way Stop does, keeping the text so far.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
    return { scheduleId: input.scheduleId, completionId: turn.completionId, status: result.status };
  } catch (error) {
    if (isCancellation(error)) throw error;
    // The completion records its own failure (transcript, ledger, stream); the run only reports it.
    return { scheduleId: input.scheduleId, completionId: turn.completionId, status: 'failed' };
  }
}
