/**
 * completionWorkflow — one assistant turn.
 *
 * Relies on: deterministic code only (no I/O, no clocks, no randomness here); activities that are idempotent
 * (they write under deterministic ids and may be retried); and activities returning summaries, so no token
 * text and nothing proportional to the transcript ever enters workflow history.
 */
import {
  type ActivityOptions,
  ActivityCancellationType,
  CancellationScope,
  ContinueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { ApplicationFailure, ActivityFailure, CancelledFailure, ChildWorkflowFailure } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { FAILURE_TYPES, STATUS_ATTRIBUTE, type CompletionInput, type CompletionResult } from './definitions.js';
import { handOverIfDue } from './hand-over.js';
import { modelCallThatFits } from './fit-context.js';
import { runToolCalls } from './run-tool-calls.js';
import { createSteeringInbox } from './steering-inbox.js';

const BOOKKEEPING_RETRY = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };
const remoteBookkeeping = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: BOOKKEEPING_RETRY });
/**
 * Opening and closing a turn are short, idempotent writes: as local activities they run inside the workflow
 * task, saving a server round trip and a workflow task each before the first token and before `abort`.
 */
const localBookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: BOOKKEEPING_RETRY,
});

/** Options of every model call; each call adds a summary so the history reads "callModel step 2 (model)". */
const MODEL_CALL_OPTIONS: ActivityOptions = {
  // A long answer streams for minutes; liveness is judged by heartbeats, not by this ceiling.
  startToCloseTimeout: '15 minutes',
  // Short, so a dead worker's call is retried within seconds; the activity heartbeats on every chunk and on a
  // timer, and the worker sends them at most every LONGHAUL_HEARTBEAT_THROTTLE_MS, so a Stop lands fast.
  heartbeatTimeout: '5 seconds',
  // Explicit: the SDK default would not wait for the activity to abort its provider stream.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [FAILURE_TYPES.providerRejected, FAILURE_TYPES.budgetExceeded],
  },
};

const queue = proxyActivities<Activities>({
  // An earlier turn may wait days for an approval; liveness comes from heartbeats.
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export async function completionWorkflow(input: CompletionInput): Promise<CompletionResult> {
  const { completionId } = input;
  // The first model call opens the turn itself, so the first workflow task schedules it at once (no local
  // activity to wait for before the request leaves). Older runs keep their separate beginCompletion, and runs
  // started before local bookkeeping keep scheduling it as regular activities (CONTRIBUTING.md). The newer
  // patch implies the older one: one marker (and one search attribute upsert) per new run instead of two.
  // Newer still: a closed run's status is Temporal's own ExecutionStatus, so the run writes no closing
  // LonghaulStatus (each upsert is a visibility write); this patch implies both older ones, one marker per run.
  const statusFromExecution = patched('status-from-execution');
  const firstCallBegins = statusFromExecution || patched('begin-in-first-call');
  const bookkeeping = firstCallBegins || patched('local-bookkeeping') ? localBookkeeping : remoteBookkeeping;
  // Registering the handler adds nothing to history; a run that takes a message records the `steering` marker.
  const steering = createSteeringInbox(input);
  // A run an earlier one handed over to: the turn is open already and starts at its next step.
  const { continued } = input;
  try {
    if (input.afterCompletionId && !continued) {
      await queue.waitForTurn({ afterCompletionId: input.afterCompletionId });
      upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'running' }]);
    }
    steering.started();
    if (!firstCallBegins && !continued) await bookkeeping.beginCompletion(input);
    // Workflow time: deterministic on replay.
    const startedAt = continued?.startedAt ?? Date.now();
    let step = continued?.step ?? 0;
    let finishReason: string;
    let repaired = continued?.repaired ?? false;
    for (;;) {
      const { callModel } = proxyActivities<Activities>({
        ...MODEL_CALL_OPTIONS,
        summary: `callModel step ${step} (${input.model})`,
      });
      const called = await steering.modelStep(step, (delivery) =>
        modelCallThatFits(input, step, (first) =>
          callModel({
            ...input,
            step,
            ...(firstCallBegins && step === 0 && first ? { begin: true } : {}),
            ...(delivery ? { steering: delivery } : {}),
          }),
        ),
      );
      step += 1;
      if ('cut' in called) {
        // Cut short for a `now` message: the next step receives it at once, unless no step is left.
        if (step >= input.limits.maxSteps) {
          finishReason = 'max-steps';
          break;
        }
        continue;
      }
      const summary = called.result;
      finishReason = summary.finishReason;
      if (summary.outputProblem !== undefined) {
        // One repair attempt: the next step shows the model its invalid answer and what was wrong with it.
        if (repaired || step >= input.limits.maxSteps)
          throw ApplicationFailure.nonRetryable(
            `invalid_output: ${summary.outputProblem}`,
            FAILURE_TYPES.invalidOutput,
          );
        repaired = true;
        continue;
      }
      if (summary.toolCalls.length > 0) await runToolCalls(input, summary.toolCalls, steering);
      const answered = summary.toolCalls.length === 0 && summary.rejectedToolCalls === 0;
      // A message that came while the final answer was written still lands: one more step answers it.
      if (answered && !steering.hasPending()) break;
      if (step >= input.limits.maxSteps) {
        finishReason = 'max-steps';
        break;
      }
      if (input.limits.wallTimeMs !== undefined && Date.now() - startedAt >= input.limits.wallTimeMs) {
        finishReason = 'max-time';
        break;
      }
      await handOverIfDue(input, { step, startedAt, repaired }, steering);
    }
    steering.finishing();
    await bookkeeping.finishCompletion({ ...input, status: 'completed', finishReason });
    if (!statusFromExecution) upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'completed' }]);
    return { completionId, status: 'completed', steps: step, finishReason };
  } catch (error) {
    // Handed over: the turn goes on in the next run.
    if (error instanceof ContinueAsNew) throw error;
    steering.finishing();
    // A stopped run ends as cancelled even when its last activity reported something else: a worker that shuts
    // down fails the activity that was waiting for its cancellation, and bookkeeping in the cancelled scope
    // would be cancelled before it ran, leaving the completion `running` in Postgres.
    const stopped =
      isCancellation(error) || (CancellationScope.current().consideredCancelled && patched('stop-wins-over-failure'));
    if (stopped) {
      await CancellationScope.nonCancellable(async () => {
        await bookkeeping.finishCompletion({ ...input, status: 'cancelled', finishReason: 'cancelled' });
        if (!statusFromExecution) upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'cancelled' }]);
      });
      throw isCancellation(error) ? error : new CancelledFailure('the completion was stopped');
    }
    const { code, message } = failureOf(error);
    await bookkeeping.finishCompletion({
      ...input,
      status: 'failed',
      finishReason: 'error',
      error: message,
      errorCode: code,
    });
    if (!statusFromExecution) upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'failed' }]);
    throw ApplicationFailure.nonRetryable(message, FAILURE_TYPES.completionFailed);
  }
}

const ERROR_CODES: Record<string, string> = {
  [FAILURE_TYPES.budgetExceeded]: 'budget_exceeded',
  [FAILURE_TYPES.providerRejected]: 'provider_rejected',
  [FAILURE_TYPES.providerUnavailable]: 'provider_unavailable',
  [FAILURE_TYPES.providerStalled]: 'provider_stalled',
  [FAILURE_TYPES.invalidOutput]: 'invalid_output',
  [FAILURE_TYPES.stopNotConfirmed]: 'stop_not_confirmed',
  [FAILURE_TYPES.contextWindowTooSmall]: 'context_window_too_small',
  [FAILURE_TYPES.contextOverflow]: 'context_overflow',
};

/** The innermost failure (an ApplicationFailure thrown by the activity, not the activity wrapper) as code + message. */
function failureOf(error: unknown): { code: string; message: string } {
  let current: unknown = error;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause)
    current = current.cause;
  const type = current instanceof ApplicationFailure ? current.type : undefined;
  return {
    code: (type && ERROR_CODES[type]) ?? 'completion_failed',
    message: current instanceof Error ? current.message : 'the completion failed',
  };
}
