import { Context } from '@temporalio/activity';
import { beginTurn } from '../completions/begin-turn.js';
import { activityOrigin } from './activity-origin.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';

/** The `beginCompletion` activity: `beginTurn`, stamped with this workflow execution and told whether it is a retry. */
export function createBeginCompletion(deps: ActivityDeps) {
  return async function beginCompletion(input: CompletionInput): Promise<void> {
    const { info } = Context.current();
    await beginTurn(deps, {
      turn: input,
      origin: activityOrigin(),
      firstAttempt: info.attempt === 1,
    });
  };
}
