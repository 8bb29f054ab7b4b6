/**
 * A completion whose workflow ended without running its own bookkeeping (terminated from the Temporal UI or CLI,
 * timed out, or gone from Temporal) would hold its thread forever: Postgres still says it runs, so every new
 * message is refused or queued behind it. Where the API finds such a completion in its way, it asks Temporal and
 * records the end the workflow could not, through the same ending path the workflow uses (ledger, metric,
 * sidebars, the stream's end, a parent's stream). Open streams ask on their keep-alive ticks, so a viewer of such
 * a turn is not left waiting either.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CompletionRow } from '../db/completions-repo.js';
import { endTurn, type TurnOutcome } from '../completions/end-turn.js';
import type { LifecycleDeps } from '../completions/lifecycle-deps.js';

/**
 * A missing workflow is only taken as gone after this long: a completion row is written a moment before its
 * workflow is started, and another request may be between the two.
 */
const MISSING_AFTER_MS = 60_000;

const failed = (code: string, message: string): TurnOutcome => ({
  status: 'failed',
  finishReason: 'error',
  error: { code, message },
});

/** What each closed Temporal status means for the turn. */
const ENDINGS: Record<string, TurnOutcome> = {
  TERMINATED: failed('workflow_terminated', 'the completion was terminated in Temporal'),
  TIMED_OUT: failed('workflow_timed_out', 'the completion timed out in Temporal'),
  CANCELLED: { status: 'cancelled', finishReason: 'cancelled' },
  FAILED: failed('completion_failed', 'the completion failed'),
  COMPLETED: failed('completion_lost', 'the completion ended without recording its answer'),
  MISSING: failed('workflow_missing', 'the completion no longer exists in Temporal'),
};
const UNKNOWN_ENDING = ENDINGS.FAILED!;

/**
 * How long one question to Temporal may take, retries included. The client retries an unavailable server with
 * backoff, and a retry still pending when the connection closes throws from its timer; a bounded call can be
 * waited for at shutdown instead.
 */
const DESCRIBE_DEADLINE_MS = 10_000;

export function createCompletionReconciler(deps: LifecycleDeps & { temporal: Client }) {
  const inFlight = new Set<Promise<unknown>>();

  async function describe(workflowId: string) {
    const call = deps.temporal.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () =>
      deps.temporal.workflow.getHandle(workflowId).describe(),
    );
    inFlight.add(call);
    try {
      return await call;
    } finally {
      inFlight.delete(call);
    }
  }

  /** The turn's ending and the run that ended, or undefined while its workflow runs (or may yet start). */
  async function endingOf(
    completion: CompletionRow,
  ): Promise<{ outcome: TurnOutcome; runId: string | null } | undefined> {
    try {
      const { status, runId } = await describe(completion.workflowId);
      // Describe names the chain's current run; a long turn's earlier runs close as continued-as-new, which is no end.
      if (status.name === 'RUNNING' || status.name === 'CONTINUED_AS_NEW') return undefined;
      return { outcome: ENDINGS[status.name] ?? UNKNOWN_ENDING, runId };
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      if (Date.now() - completion.createdAt.getTime() < MISSING_AFTER_MS) return undefined;
      return { outcome: ENDINGS.MISSING!, runId: null };
    }
  }

  return {
    /**
     * Whether the active completion's workflow has ended; if so its end is recorded. Temporal is asked before
     * any transaction opens, so a slow Temporal holds no lock and no pooled connection; call it with none open.
     */
    async settleIfEnded(completion: CompletionRow): Promise<boolean> {
      const ending = await endingOf(completion);
      if (!ending) return false;
      await endTurn(
        deps,
        { completionId: completion.id, threadId: completion.threadId, userId: completion.userId, ...ending.outcome },
        { origin: { workflowId: completion.workflowId, runId: ending.runId }, recordedBy: 'api' },
      );
      return true;
    },

    /** Waits for the questions to Temporal still under way; call it before closing the Temporal connection. */
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type CompletionReconciler = ReturnType<typeof createCompletionReconciler>;
