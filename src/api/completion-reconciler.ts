/**
 * A completion whose workflow ended without running its own bookkeeping (terminated from the Temporal UI or CLI,
 * timed out, or gone from Temporal) would hold its thread forever: Postgres still says it runs, so every new
 * message is refused or queued behind it. Where the API finds such a completion in its way, it asks Temporal and
 * records the end the workflow could not, then ends the stream for anyone still watching it. Open streams ask on
 * their keep-alive ticks, so a viewer of such a turn is not left waiting either.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { createAuditRepo } from '../db/audit-repo.js';
import { createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import type { Queryable } from '../db/pool.js';
import { createThreadsRepo } from '../db/threads-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import { withTransaction } from '../db/transaction.js';
import type { ChunkPublisher } from '../stream/chunk-publisher.js';

/**
 * A missing workflow is only taken as gone after this long: a completion row is written a moment before its
 * workflow is started, and another request may be between the two.
 */
const MISSING_AFTER_MS = 60_000;

interface Ending {
  status: 'failed' | 'cancelled';
  code: string;
  message: string;
}

const ENDINGS: Record<string, Ending> = {
  TERMINATED: { status: 'failed', code: 'workflow_terminated', message: 'the completion was terminated in Temporal' },
  TIMED_OUT: { status: 'failed', code: 'workflow_timed_out', message: 'the completion timed out in Temporal' },
  CANCELLED: { status: 'cancelled', code: 'cancelled', message: 'the completion was cancelled' },
  FAILED: { status: 'failed', code: 'completion_failed', message: 'the completion failed' },
  COMPLETED: { status: 'failed', code: 'completion_lost', message: 'the completion ended without recording its answer' },
  MISSING: { status: 'failed', code: 'workflow_missing', message: 'the completion no longer exists in Temporal' },
};

export function createCompletionReconciler(deps: { pool: pg.Pool; temporal: Client; publisher: ChunkPublisher }) {
  async function endingOf(completion: CompletionRow): Promise<Ending | undefined> {
    try {
      const { status } = await deps.temporal.workflow.getHandle(completion.workflowId).describe();
      if (status.name === 'RUNNING') return undefined;
      return ENDINGS[status.name] ?? ENDINGS.FAILED;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      return Date.now() - completion.createdAt.getTime() >= MISSING_AFTER_MS ? ENDINGS.MISSING : undefined;
    }
  }

  return {
    /**
     * Whether the active completion's workflow has ended; if so its end is recorded and its thread freed in one
     * commit: the caller's transaction when it passes one, else a transaction of its own.
     */
    async settleIfEnded(completion: CompletionRow, transaction?: pg.PoolClient): Promise<boolean> {
      const ending = await endingOf(completion);
      if (!ending) return false;
      if (transaction) await recordEnding(transaction, completion, ending);
      else await withTransaction(deps.pool, (client) => recordEnding(client, completion, ending));
      await deps.publisher.publish(
        completion.id,
        ending.status === 'cancelled' ? { type: 'abort', reason: 'cancelled' } : { type: 'error', errorText: ending.message },
      );
      return true;
    },
  };
}

async function recordEnding(db: Queryable, completion: CompletionRow, ending: Ending): Promise<void> {
  await createToolExecutionsRepo(db).interruptOpen(completion.id);
  await createCompletionsRepo(db).finish(completion.id, {
    status: ending.status,
    finishReason: ending.status === 'cancelled' ? 'cancelled' : 'error',
    ...(ending.status === 'failed' ? { error: { code: ending.code, message: ending.message } } : {}),
  });
  await createThreadsRepo(db).clearActiveCompletion(completion.threadId, completion.id);
  await createAuditRepo(db).append({
    key: `completion_finished:${completion.id}`,
    threadId: completion.threadId,
    completionId: completion.id,
    userId: completion.userId,
    type: 'completion_finished',
    actor: 'system',
    data: { status: ending.status, code: ending.code, message: ending.message, recordedBy: 'api' },
    workflowId: completion.workflowId,
  });
}

export type CompletionReconciler = ReturnType<typeof createCompletionReconciler>;
