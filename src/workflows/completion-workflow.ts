/**
 * completionWorkflow — one assistant turn (design §2).
 *
 * Relies on: deterministic code only (no I/O, no clocks, no randomness here); activities that are idempotent
 * (they write under deterministic ids and may be retried); and activities returning summaries, so no token
 * text and nothing proportional to the transcript ever enters workflow history.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  proxyActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { ApplicationFailure, ActivityFailure } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { STATUS_ATTRIBUTE, type CompletionInput, type CompletionResult } from './definitions.js';
import { runToolCalls } from './run-tool-calls.js';

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

const modelCalls = proxyActivities<Activities>({
  // A long answer streams for minutes; liveness is judged by heartbeats, not by this ceiling.
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '15 seconds',
  // Explicit: the SDK default would not wait for the activity to abort its provider stream.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['ProviderRejected'],
  },
});

export async function completionWorkflow(input: CompletionInput): Promise<CompletionResult> {
  const { completionId } = input;
  await bookkeeping.beginCompletion(input);
  try {
    let step = 0;
    let finishReason: string;
    for (;;) {
      const summary = await modelCalls.callModel({ ...input, step });
      step += 1;
      finishReason = summary.finishReason;
      if (summary.toolCalls.length > 0) await runToolCalls(input, summary.toolCalls);
      const answered = summary.toolCalls.length === 0 && summary.rejectedToolCalls === 0;
      if (answered) break;
      if (step >= input.limits.maxSteps) {
        finishReason = 'max-steps';
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
    const message = failureMessage(error);
    await bookkeeping.finishCompletion({ ...input, status: 'failed', finishReason: 'error', error: message });
    upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'failed' }]);
    throw ApplicationFailure.nonRetryable(message, 'CompletionFailed');
  }
}

/** The innermost failure message: an ApplicationFailure thrown by the activity, not the activity wrapper. */
function failureMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : 'the completion failed';
}
