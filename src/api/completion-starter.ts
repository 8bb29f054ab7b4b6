/**
 * Starts a user's turn for the API: opens it (`openUserTurn`: the rows, in one transaction that also checks the
 * thread is idle), starts its workflow, and takes the rows back (`undoTurn`) if Temporal refuses the start, so a
 * failed request leaves nothing half-written. What stays here is Temporal and HTTP: settling an ended turn
 * before the opening, the workflow start, a Stop that came early, and the errors as the API answers them.
 */
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { undoTurn } from '../completions/open-turn.js';
import {
  openUserTurn,
  runningTurnOf,
  TurnNotOpened,
  type OpenedUserTurn,
  type UserTurnRequest,
} from '../completions/open-user-turn.js';
import { TooManyActiveCompletions } from '../completions/active-completions-cap.js';
import type { TurnPolicy } from '../completions/turn-policy.js';
import type { DoubleTextPolicy, ThreadRow } from '../db/threads-repo.js';
import type { Logger } from '../log.js';
import type { completionWorkflow } from '../workflows/completion-workflow.js';
import { completionSearchAttributes, type CompletionInput } from '../workflows/definitions.js';
import { completionMemo, completionSummary } from './workflow-labels.js';
import { AppError, conflict, notFound } from './app-error.js';
import { LimitExceeded } from './limit-exceeded.js';
import type { CompletionCanceller } from './completion-canceller.js';
import type { CompletionReconciler } from './completion-reconciler.js';

const ACTIVE_RETRY_AFTER_MS = 5_000;

/** A user's turn as the routes ask for it. */
export type StartTurnRequest = UserTurnRequest;

/** The caller's thread of the request's client id, as a route read it before opening the turn. */
export interface SeenThread {
  thread: ThreadRow | undefined;
}

export interface StartedTurn {
  completionId: string;
  /** The thread as its client names it. */
  threadId: string;
  assistantMessageId: string;
  workflowId: string;
}

export function createCompletionStarter(deps: {
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
  eagerStart: boolean;
  policy: TurnPolicy;
  log: Logger;
  canceller: CompletionCanceller;
  reconciler: CompletionReconciler;
  defaultDoubleTextPolicy: DoubleTextPolicy;
  /** LONGHAUL_MEMO_THREAD_TITLE: the thread title in the workflow memo (user text in Temporal; off by default). */
  memoThreadTitle: boolean;
  /** LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER; 0 = unlimited. */
  maxActiveCompletions: number;
}) {
  const { pool, temporal, taskQueue, eagerStart, policy, log, canceller, reconciler, defaultDoubleTextPolicy } = deps;

  /**
   * Opens the turn. A running turn whose workflow ended outside Longhaul (terminated in the Temporal UI) is
   * settled first, which frees the thread: asking Temporal is network I/O, so it happens before the thread row is
   * locked, or a slow Temporal would hold the lock and a pooled connection while every message to the thread queues.
   */
  async function persistTurn(request: StartTurnRequest, seen?: SeenThread): Promise<OpenedUserTurn> {
    const running = await runningTurnOf({ pool }, request, seen);
    if (running) await reconciler.settleIfEnded(running);
    try {
      return await openUserTurn(
        { pool, policy, defaultDoubleTextPolicy, maxActiveCompletions: deps.maxActiveCompletions },
        request,
      );
    } catch (error) {
      if (error instanceof TooManyActiveCompletions) {
        // When one ends is up to the model and the user; a few seconds is a polite first guess.
        throw new LimitExceeded('too_many_active_completions', error.message, error.limit, ACTIVE_RETRY_AFTER_MS);
      }
      if (!(error instanceof TurnNotOpened)) throw error;
      if (error.code === 'thread_not_found') throw notFound('thread');
      throw conflict(error.message, error.code === 'thread_created_concurrently' ? 'conflict' : error.code);
    }
  }

  return {
    /**
     * Writes the turn's rows; call `launch` after subscribing to the stream so no chunk can be missed. `seen`: the
     * caller's thread as the route already read it (undefined inside: it has none), so it is not read again.
     */
    async prepare(request: StartTurnRequest, seen?: SeenThread) {
      const turn = await persistTurn(request, seen);
      const input: CompletionInput = {
        completionId: turn.completionId,
        threadId: turn.threadId,
        userId: request.userId,
        assistantMessageId: turn.assistantMessageId,
        ...turn.spec,
        ...(turn.after ? { afterCompletionId: turn.after.id } : {}),
      };
      return {
        turn: {
          completionId: turn.completionId,
          threadId: request.clientThreadId,
          assistantMessageId: turn.assistantMessageId,
          workflowId: turn.workflowId,
        } satisfies StartedTurn,
        async launch(): Promise<void> {
          try {
            await temporal.workflow.start<typeof completionWorkflow>('completionWorkflow', {
              taskQueue,
              workflowId: turn.workflowId,
              args: [input],
              memo: completionMemo(input, turn.threadTitle, deps.memoThreadTitle),
              staticSummary: completionSummary(input),
              typedSearchAttributes: completionSearchAttributes(input, turn.after ? 'queued' : 'running'),
              requestEagerStart: eagerStart,
            });
          } catch (error) {
            log.error(`starting ${turn.workflowId} failed: ${(error as Error).message}`);
            await undoTurn({ pool }, { ...turn, userId: request.userId }).catch((undoError: Error) =>
              log.error(`undo of ${turn.completionId} failed: ${undoError.message}`),
            );
            throw new AppError(503, 'temporal_unavailable', 'could not start the completion; try again shortly');
          }
          await Promise.all([
            canceller
              .honourStopBeforeStart(turn.completionId)
              .catch((error: Error) => log.warn(`passing an early stop to ${turn.workflowId}: ${error.message}`)),
            // `interrupt`: the new turn is queued behind the running one, which is stopped with its text kept.
            turn.interrupt && turn.after
              ? canceller
                  .cancel(turn.after, request.userId)
                  .catch((error: Error) => log.warn(`interrupting ${turn.after!.id}: ${error.message}`))
              : undefined,
          ]);
        },
      };
    },
  };
}

export type CompletionStarter = ReturnType<typeof createCompletionStarter>;
