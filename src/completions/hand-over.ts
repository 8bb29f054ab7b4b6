/**
 * A long turn handing over to a fresh workflow run (continue-as-new). Nothing of the turn changes: its rows, its
 * stream and its budgets are keyed by completion id, and the next run reads them from there. What is written is
 * the ledger's line, so an auditor can follow the turn from one Temporal run to the next.
 */
import { createAuditRepo } from '../db/audit-repo.js';
import type { HandOverInput } from '../workflows/definitions.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';

/** Idempotent: the step a run hands over at names the row, so a retried activity writes it once. */
export async function recordHandOver(deps: Pick<LifecycleDeps, 'pool'>, origin: Origin, input: HandOverInput) {
  await createAuditRepo(deps.pool).append({
    key: `completion_continued:${input.completionId}:${input.step}`,
    threadId: input.threadId,
    completionId: input.completionId,
    userId: input.userId,
    type: 'completion_continued',
    actor: 'system',
    data: { step: input.step, run: input.run, reason: input.reason },
    ...origin,
  });
}
