import { endTurn, type TurnOutcome } from '../completions/end-turn.js';
import type { FinishCompletionInput } from '../workflows/definitions.js';
import { activityOrigin } from './activity-origin.js';
import type { ActivityDeps } from './deps.js';

/** The workflow's end of its own turn, recorded and announced by the lifecycle's one ending path. */
export function createFinishCompletion(deps: ActivityDeps) {
  return async function finishCompletion(input: FinishCompletionInput): Promise<void> {
    await endTurn(
      deps,
      {
        completionId: input.completionId,
        threadId: input.threadId,
        userId: input.userId,
        parent: input.parent ?? null,
        ...outcomeOf(input),
      },
      { origin: activityOrigin(), recordedBy: 'worker' },
    );
  };
}

function outcomeOf(input: FinishCompletionInput): TurnOutcome {
  if (input.status !== 'failed') return { status: input.status, finishReason: input.finishReason };
  return {
    status: 'failed',
    finishReason: input.finishReason,
    error: { code: input.errorCode ?? 'completion_failed', message: input.error ?? 'The completion failed.' },
  };
}
