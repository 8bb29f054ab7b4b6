import { createAuditRepo } from '../db/audit-repo.js';
import { createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import type { LifecycleDeps } from './lifecycle-deps.js';

/**
 * Puts a Stop on record before anything acts on it: a turn sent right after the user sees `abort` must find it,
 * and the ledger names who asked (`by`, a user id). The first Stop's time is kept; a repeated one changes nothing.
 */
export async function recordStopRequest(
  deps: Pick<LifecycleDeps, 'pool'>,
  completion: CompletionRow,
  by: string,
): Promise<void> {
  await Promise.all([
    createAuditRepo(deps.pool).append({
      key: `cancel_requested:${completion.id}:${by}`,
      threadId: completion.threadId,
      completionId: completion.id,
      userId: completion.userId,
      type: 'cancel_requested',
      actor: by,
      data: { status: completion.status },
      workflowId: completion.workflowId,
    }),
    createCompletionsRepo(deps.pool).markCancelRequested(completion.id),
  ]);
}
