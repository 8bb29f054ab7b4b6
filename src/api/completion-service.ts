/** Completions as /v1/completions reads them: one of the caller's, the caller's live work, and a count for /metrics. */
import type pg from 'pg';
import {
  ACTIVE_STATUSES,
  createCompletionsRepo,
  type CompletionRow,
  type CompletionStatus,
} from '../db/completions-repo.js';
import { newId } from '../db/ids.js';
import { notFound } from './app-error.js';
import type { StartTurnRequest } from './completion-starter.js';

export interface RestTurn {
  threadId?: string;
  message: string;
  choices: StartTurnRequest['choices'];
}

export function createCompletionService(deps: { pool: pg.Pool }) {
  const completions = createCompletionsRepo(deps.pool);

  return {
    /** The caller's completion; 404 when it is not theirs. */
    async getOwn(completionId: string, userId: string): Promise<CompletionRow & { clientThreadId: string }> {
      const completion = await completions.getForUser(completionId, userId);
      if (!completion) throw notFound('completion');
      return completion;
    },

    /** What a sidebar shows: the caller's completions in one active status, or in any. */
    listActive: (userId: string, status?: CompletionStatus) =>
      completions.listActive(userId, status ? [status] : ACTIVE_STATUSES),

    /** Across all users, for the `longhaul_active_completions` gauge. */
    async countActive(): Promise<number> {
      const { rows } = await deps.pool.query<{ count: string }>(
        `SELECT count(*) AS count FROM completions WHERE status = ANY($1)`,
        [ACTIVE_STATUSES],
      );
      return Number(rows[0]?.count ?? 0);
    },

    /** A REST turn as the starter takes it: a new thread unless one is named, and a fresh message id. */
    toStartRequest(userId: string, turn: RestTurn): StartTurnRequest {
      return {
        userId,
        clientThreadId: turn.threadId ?? newId('thr'),
        createThread: turn.threadId === undefined,
        userMessage: { uiMessageId: newId('msg'), parts: [{ type: 'text', text: turn.message }] },
        choices: turn.choices,
      };
    },
  };
}

export type CompletionService = ReturnType<typeof createCompletionService>;
