/**
 * Hands a long completion over to a fresh run of its workflow (continue-as-new) before its history nears
 * Temporal's limits (events, bytes, updates per run): after `limits.stepsPerRun` model steps in this run, or sooner
 * when Temporal suggests it.
 *
 * Relies on: being called between model steps only, when nothing of the step is in flight (its model call has
 * returned and its tool activities and child workflows have settled, approvals included), so nothing is left
 * behind; on everything else of the turn (transcript, stream and its `seq`, budgets, tool calls) being keyed by
 * completion id in Postgres and Redis, where the next run finds it; and on the next run's input carrying counters
 * and ids only. The workflow id stays the same, so Stop, steering and `result()` reach whichever run is current.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  patched,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { CompletionInput, HandOverReason } from './definitions.js';
import type { completionWorkflow } from './completion-workflow.js';

const { recordHandOver } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/** The loop's own state, which the next run starts from. */
export interface LoopState {
  /** The next model step. */
  step: number;
  startedAt: number;
  repaired: boolean;
}

/** Returns when the run goes on; otherwise this run ends here and the next one carries on at `state.step`. */
export async function handOverIfDue(
  input: CompletionInput,
  state: LoopState,
  steering: { pendingIds(): string[] },
): Promise<void> {
  const reason = dueReason(input, state);
  // Runs recorded before long runs never reach here with a reason: no limit came with their input.
  if (!reason || !patched('continue-as-new')) return;
  // A Stop that came with the step's last result is this run's to honour: its next model call fails cancelled.
  if (CancellationScope.current().consideredCancelled) return;
  const run = (input.continued?.runs ?? 0) + 2;
  await recordHandOver({
    completionId: input.completionId,
    threadId: input.threadId,
    userId: input.userId,
    step: state.step,
    run,
    reason,
  });
  // A steering update being handled would lose its message with this run; the handler is synchronous today.
  await condition(allHandlersFinished);
  if (CancellationScope.current().consideredCancelled) return;
  const continueAsNew = makeContinueAsNewFunc<typeof completionWorkflow>({
    // Explicit, so the next run is listed with the status this one reached rather than the one it started with.
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  });
  await continueAsNew({
    ...input,
    continued: {
      step: state.step,
      startedAt: state.startedAt,
      repaired: state.repaired,
      steering: steering.pendingIds(),
      runs: run - 1,
    },
  });
}

function dueReason(input: CompletionInput, state: LoopState): HandOverReason | undefined {
  const { stepsPerRun } = input.limits;
  if (stepsPerRun === undefined) return undefined;
  if (state.step - (input.continued?.step ?? 0) >= stepsPerRun) return 'steps';
  if (workflowInfo().continueAsNewSuggested) return 'suggested';
  return undefined;
}
