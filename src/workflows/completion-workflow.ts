/**
 * completionWorkflow — one assistant turn (design §2).
 *
 * Relies on: deterministic code only (no I/O, no clocks, no randomness here); activities that are idempotent
 * (they write under deterministic ids and may be retried); and activities returning summaries, so no token
 * text and nothing proportional to the transcript ever enters workflow history.
 */
import {
  type ActivityOptions,
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { ApplicationFailure, ActivityFailure, ChildWorkflowFailure } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { STATUS_ATTRIBUTE, type CompletionInput, type CompletionResult } from './definitions.js';
import { runToolCalls } from './run-tool-calls.js';

const BOOKKEEPING_RETRY = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };
const remoteBookkeeping = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: BOOKKEEPING_RETRY });
/**
 * Opening and closing a turn are short, idempotent writes: as local activities they run inside the workflow
 * task, saving a server round trip and a workflow task each before the first token and before `abort`.
 */
const localBookkeeping = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: BOOKKEEPING_RETRY });

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
    nonRetryableErrorTypes: ['ProviderRejected', 'BudgetExceeded'],
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
  // Runs started before local bookkeeping keep scheduling it as regular activities (CONTRIBUTING.md).
  const bookkeeping = patched('local-bookkeeping') ? localBookkeeping : remoteBookkeeping;
  try {
    if (input.afterCompletionId) {
      await queue.waitForTurn({ afterCompletionId: input.afterCompletionId });
      upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'running' }]);
    }
    await bookkeeping.beginCompletion(input);
    // Workflow time: deterministic on replay.
    const startedAt = Date.now();
    let step = 0;
    let finishReason: string;
    let repaired = false;
    for (;;) {
      const { callModel } = proxyActivities<Activities>({
        ...MODEL_CALL_OPTIONS,
        summary: `callModel step ${step} (${input.model})`,
      });
      const summary = await callModel({ ...input, step });
      step += 1;
      finishReason = summary.finishReason;
      if (summary.outputProblem !== undefined) {
        // One repair attempt: the next step shows the model its invalid answer and what was wrong with it.
        if (repaired || step >= input.limits.maxSteps) throw ApplicationFailure.nonRetryable(`invalid_output: ${summary.outputProblem}`, 'InvalidOutput');
        repaired = true;
        continue;
      }
      if (summary.toolCalls.length > 0) await runToolCalls(input, summary.toolCalls);
      const answered = summary.toolCalls.length === 0 && summary.rejectedToolCalls === 0;
      if (answered) break;
      if (step >= input.limits.maxSteps) {
        finishReason = 'max-steps';
        break;
      }
      if (input.limits.wallTimeMs !== undefined && Date.now() - startedAt >= input.limits.wallTimeMs) {
        finishReason = 'max-time';
        break;
      }
    }
    await bookkeeping.finishCompletion({ ...input, status: 'completed', finishReason });
    upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'completed' }]);
    return { completionId, status: 'completed', steps: step, finishReason };
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await bookkeeping.finishCompletion({ ...input, status: 'cancelled', finishReason: 'cancelled' });
        upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'cancelled' }]);
      });
      throw error;
    }
    const { code, message } = failureOf(error);
    await bookkeeping.finishCompletion({ ...input, status: 'failed', finishReason: 'error', error: message, errorCode: code });
    upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'failed' }]);
    throw ApplicationFailure.nonRetryable(message, 'CompletionFailed');
  }
}

const ERROR_CODES: Record<string, string> = {
  BudgetExceeded: 'budget_exceeded',
  ProviderRejected: 'provider_rejected',
  ProviderUnavailable: 'provider_unavailable',
  ProviderStalled: 'provider_stalled',
  InvalidOutput: 'invalid_output',
};

/** The innermost failure (an ApplicationFailure thrown by the activity, not the activity wrapper) as code + message. */
function failureOf(error: unknown): { code: string; message: string } {
  let current: unknown = error;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) current = current.cause;
  const type = current instanceof ApplicationFailure ? current.type : undefined;
  return {
    code: (type && ERROR_CODES[type]) ?? 'completion_failed',
    message: current instanceof Error ? current.message : 'the completion failed',
  };
}
