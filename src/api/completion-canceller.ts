/**
 * Stop: asks Temporal to cancel the completion's workflow. The workflow does the rest (aborts the model stream,
 * keeps the partial text, interrupts tool calls, publishes `abort`), so a cancel from any replica, the CLI or
 * the Temporal UI behaves the same. A stop hint, sent just before the Temporal request, lets a streaming model
 * call cut its provider stream and answer `abort` without waiting for the cancellation to travel through a
 * workflow task and a heartbeat; the model call still ends only when Temporal's cancellation reaches it.
 * Idempotent: a cancelled completion answers as cancelled.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { ACTIVE_STATUSES, createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { recordStopRequest } from '../completions/request-stop.js';
import { publishStopHint } from '../stream/stop-hints.js';
import type { CompletionReconciler } from './completion-reconciler.js';
import { conflict } from './app-error.js';

export interface CancelOutcome {
  completionId: string;
  status: 'cancelling' | 'cancelled';
}

export function createCompletionCanceller(deps: {
  pool: pg.Pool;
  temporal: Client;
  redis: Redis;
  reconciler: CompletionReconciler;
}) {
  const completions = createCompletionsRepo(deps.pool);
  return {
    /** `by` is who asked: a user id, recorded in the audit ledger. */
    async cancel(completion: CompletionRow, by: string): Promise<CancelOutcome> {
      if (completion.status === 'cancelled') return { completionId: completion.id, status: 'cancelled' };
      if (!ACTIVE_STATUSES.includes(completion.status)) {
        throw conflict(`completion ${completion.id} has already ${completion.status}`, 'not_running');
      }
      await recordStopRequest(deps, completion, by);
      // The hint goes before the Temporal request so a loaded Temporal server does not delay the stream's end.
      // Only speed depends on it: without it Temporal's cancellation still reaches the model call.
      await publishStopHint(deps.redis, completion.id).catch(() => {});
      try {
        await deps.temporal.workflow.getHandle(completion.workflowId).cancel();
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      // Temporal accepts a cancel request for a run that has already closed, and a run closed outside Longhaul
      // (terminated in the UI) never recorded its end: after the stream has its hint, ask what became of it.
      if (await deps.reconciler.settleIfEnded(completion)) {
        const now = await completions.get(completion.id);
        if (now?.status === 'cancelled') return { completionId: completion.id, status: 'cancelled' };
        throw conflict(`completion ${completion.id} has already ${now?.status ?? 'ended'}`, 'not_running');
      }
      return { completionId: completion.id, status: 'cancelling' };
    },

    /**
     * Called once a workflow start has returned. A Stop that came between the completion's row and its workflow
     * found nothing to cancel in Temporal, yet was answered 202 with the stop on record: the run must not go on.
     * Either the Stop's cancel request reached the started workflow, or this read (after the start) sees its record.
     */
    async honourStopBeforeStart(completionId: string): Promise<void> {
      const row = await completions.get(completionId);
      if (!row?.cancelRequestedAt || !ACTIVE_STATUSES.includes(row.status)) return;
      try {
        await deps.temporal.workflow.getHandle(row.workflowId).cancel();
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      await publishStopHint(deps.redis, row.id).catch(() => {});
    },
  };
}

export type CompletionCanceller = ReturnType<typeof createCompletionCanceller>;
