import { Context, sleep } from '@temporalio/activity';
import { ACTIVE_STATUSES, createCompletionsRepo } from '../db/completions-repo.js';
import type { ActivityDeps } from './deps.js';

const POLL_MS = 250;

/**
 * Double texting (`enqueue`, `interrupt`): waits until the thread's earlier completion has ended, so turns never
 * overlap. Polls Postgres from an activity, with heartbeats, rather than looping in the workflow: a wait of days
 * (the earlier turn awaiting approval) costs the queued workflow's history nothing.
 */
export function createWaitForTurn({ pool }: ActivityDeps) {
  const completions = createCompletionsRepo(pool);
  return async function waitForTurn(input: { afterCompletionId: string }): Promise<void> {
    const context = Context.current();
    for (;;) {
      const earlier = await completions.get(input.afterCompletionId);
      if (!earlier || !ACTIVE_STATUSES.includes(earlier.status)) return;
      context.heartbeat();
      await sleep(POLL_MS);
    }
  };
}
