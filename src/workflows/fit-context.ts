/**
 * A model step whose request fits the model's context window. `callModel` measures its request before sending it;
 * when it would not fit, it sends nothing and says so, and this compacts older turns (`compactContext`, a model
 * call of its own) and calls again for the same step, until the call fits or fails for good.
 *
 * Workflow code: deterministic; the compaction's summary stays in Postgres, only its id enters history.
 */
import { type ActivityOptions, ActivityCancellationType, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { FAILURE_TYPES, type CompletionInput, type StepSummary } from './definitions.js';

const COMPACTION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [
      FAILURE_TYPES.providerRejected,
      FAILURE_TYPES.budgetExceeded,
      FAILURE_TYPES.contextOverflow,
    ],
  },
};

/** `call(first)` makes the step's model call; `first` is false for the calls after a compaction. */
export async function modelCallThatFits(
  input: CompletionInput,
  step: number,
  call: (first: boolean) => Promise<StepSummary>,
): Promise<StepSummary> {
  for (let round = 0; ; round += 1) {
    const summary = await call(round === 0);
    if (!summary.compact) return summary;
    // Runs recorded before compaction existed never get here (no call of theirs answered `compact`); the marker
    // records that this run schedules compactContext.
    patched('context-compaction');
    const { compactContext } = proxyActivities<Activities>({
      ...COMPACTION_OPTIONS,
      summary: `compactContext step ${step} round ${round}`,
    });
    await compactContext({ ...input, step, round });
  }
}
