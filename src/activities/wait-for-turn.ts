import { Context, sleep } from '@temporalio/activity';
import { hasTurnEnded } from '../completions/begin-turn.js';
import type { ActivityDeps } from './deps.js';

const POLL_MS = 250;

/**
 * Double texting (`enqueue`, `interrupt`): waits until the thread's earlier completion has ended, so turns never
 * overlap. Polls Postgres from an activity, with heartbeats, rather than looping in the workflow: a wait of days
 * (the earlier turn awaiting approval) costs the queued workflow's history nothing.
 */
export function createWaitForTurn(deps: ActivityDeps) {
  return async function waitForTurn(input: { afterCompletionId: string }): Promise<void> {
    const context = Context.current();
    while (!(await hasTurnEnded(deps, input.afterCompletionId))) {
      context.heartbeat();
      await sleep(POLL_MS);
    }
  };
}
