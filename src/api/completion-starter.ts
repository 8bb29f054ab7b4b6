/**
 * Starts a turn: persists the user's message, creates the completion and starts its workflow. The rows are
 * written in one transaction that also checks the thread is idle, and they are removed again if Temporal refuses
 * the start, so a failed request leaves nothing half-written.
 */
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { ACTIVE_STATUSES, createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { createAuditRepo } from '../db/audit-repo.js';
import { newId } from '../db/ids.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { createThreadsRepo, type DoubleTextPolicy } from '../db/threads-repo.js';
import { withTransaction } from '../db/transaction.js';
import type { UIPart } from '../db/ui-parts.js';
import type { Logger } from '../log.js';
import type { completionWorkflow } from '../workflows/completion-workflow.js';
import {
  completionSearchAttributes,
  completionWorkflowId,
  type CompletionInput,
} from '../workflows/definitions.js';
import type { ResolvedTurn, TurnChoices, TurnPolicy } from './turn-policy.js';
import { AppError, conflict, notFound } from './app-error.js';
import type { CompletionCanceller } from './completion-canceller.js';
import type { CompletionReconciler } from './completion-reconciler.js';

export interface StartTurnRequest {
  userId: string;
  threadId: string;
  /** Create the thread when missing (useChat's first message); otherwise a missing thread is a 404. */
  createThread: boolean;
  /**
   * The user's new message, or `regenerate`: answer the thread's latest user message once more (useChat's
   * regenerate), taking the answer it had out of the transcript. `uiMessageId` names that message, as the client
   * knows it, so both sides agree on what is answered again.
   */
  userMessage: { uiMessageId: string; parts: UIPart[] } | { regenerate: true; uiMessageId: string };
  /** What the caller asked to run as; resolved against the thread's agent and the server's defaults. */
  choices: TurnChoices;
}

export interface StartedTurn {
  completionId: string;
  threadId: string;
  assistantMessageId: string;
  workflowId: string;
}

interface PersistedTurn extends StartedTurn {
  threadTitle: string | null;
  spec: ResolvedTurn;
  createdThread: boolean;
  userMessageRowId?: string;
  /** Regenerate: the answers this turn took out of the transcript (put back if the start fails). */
  superseded?: string[];
  /** The running completion this turn waits for, and whether to stop it (`interrupt`) rather than wait. */
  after?: CompletionRow;
  interrupt?: boolean;
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
}) {
  const { pool, temporal, taskQueue, eagerStart, policy, log, canceller, reconciler, defaultDoubleTextPolicy } = deps;

  async function persistTurn(request: StartTurnRequest): Promise<PersistedTurn> {
    // A completion whose workflow ended outside Longhaul (e.g. terminated in the Temporal UI) frees the thread;
    // Temporal is asked before the thread is locked, and the end is recorded in a transaction of its own.
    const current = await createThreadsRepo(pool).get(request.threadId, request.userId);
    const previous = current?.activeCompletionId ? await createCompletionsRepo(pool).get(current.activeCompletionId) : undefined;
    if (previous && ACTIVE_STATUSES.includes(previous.status)) await reconciler.settleIfEnded(previous);
    return withTransaction(pool, async (client) => {
      const threads = createThreadsRepo(client);
      const messages = createMessagesRepo(client);
      const completions = createCompletionsRepo(client);
      let thread = await threads.lockById(request.threadId);
      if (thread && thread.userId !== request.userId) throw notFound('thread');
      const createdThread = !thread;
      const spec = policy.resolve(request.choices, thread?.agent ?? null);
      if (!thread) {
        if (!request.createThread) throw notFound('thread');
        // A thread's first turn binds it to the agent it asked for; later turns follow it unless they ask otherwise.
        if ('regenerate' in request.userMessage) throw notFound('thread');
        thread = await threads.create(
          request.threadId,
          request.userId,
          titleFrom(request.userMessage.parts),
          defaultDoubleTextPolicy,
          request.choices.agent ?? null,
        );
      }
      let busyWith: CompletionRow | undefined;
      if (thread.activeCompletionId) {
        const active = await completions.get(thread.activeCompletionId);
        if (active && ACTIVE_STATUSES.includes(active.status)) busyWith = active;
      }
      // A stopping turn has already shown `abort`: the next one waits the moment it takes to finish, whatever the policy.
      if (busyWith && thread.doubleTextPolicy === 'reject' && !busyWith.cancelRequestedAt) {
        throw conflict(
          `thread ${thread.id} already has a running completion (${busyWith.id}); wait for it, cancel it, or set the thread's doubleTextPolicy to enqueue or interrupt`,
          'completion_running',
        );
      }
      let userMessage: { id: string; inserted: boolean };
      let superseded: string[] = [];
      if ('regenerate' in request.userMessage) {
        // Answering again never overlaps a running answer: the client has just dropped the one it replaces.
        if (busyWith) throw conflict(`thread ${thread.id} has a running completion (${busyWith.id}); stop it before regenerating`, 'completion_running');
        const latest = await messages.latestUserMessage(thread.id);
        if (!latest || latest.uiMessageId !== request.userMessage.uiMessageId) {
          throw conflict('only the answer to the thread\'s latest user message can be regenerated', 'not_latest');
        }
        superseded = (await completions.listCurrentAnswers(latest.id)).map((answer) => answer.id);
        await completions.setSuperseded(superseded, 'now');
        userMessage = { id: latest.id, inserted: false };
      } else {
        userMessage = await messages.insertUserMessage({
          id: newId('msg'),
          threadId: thread.id,
          uiMessageId: request.userMessage.uiMessageId,
          parts: request.userMessage.parts,
        });
      }
      const completionId = newId('cmp');
      const turn = {
        completionId,
        threadId: thread.id,
        threadTitle: thread.title,
        assistantMessageId: newId('msg'),
        workflowId: completionWorkflowId(completionId),
      };
      await completions.create({
        id: completionId,
        userId: request.userId,
        model: spec.model,
        agent: spec.agent,
        ...turn,
        userMessageId: userMessage.id,
        ...(busyWith ? { afterCompletionId: busyWith.id } : {}),
      });
      await threads.setActiveCompletion(thread.id, completionId);
      if ('regenerate' in request.userMessage) {
        await createAuditRepo(client).append({
          key: `answer_regenerated:${completionId}`,
          threadId: thread.id,
          completionId,
          userId: request.userId,
          type: 'answer_regenerated',
          actor: request.userId,
          data: { userMessageId: request.userMessage.uiMessageId, superseded },
        });
      }
      return {
        ...turn,
        spec,
        createdThread,
        ...(userMessage.inserted ? { userMessageRowId: userMessage.id } : {}),
        ...(superseded.length > 0 ? { superseded } : {}),
        ...(busyWith ? { after: busyWith, interrupt: thread.doubleTextPolicy === 'interrupt' && !busyWith.cancelRequestedAt } : {}),
      };
    });
  }

  async function undo(turn: PersistedTurn, userId: string): Promise<void> {
    await withTransaction(pool, async (client) => {
      await createCompletionsRepo(client).delete(turn.completionId);
      if (turn.superseded) await createCompletionsRepo(client).setSuperseded(turn.superseded, null);
      if (turn.userMessageRowId) await createMessagesRepo(client).deleteById(turn.userMessageRowId);
      if (turn.createdThread) await createThreadsRepo(client).delete(turn.threadId, userId);
    });
  }

  return {
    /** Writes the turn's rows; call `launch` after subscribing to the stream so no chunk can be missed. */
    async prepare(request: StartTurnRequest) {
      const turn = await persistTurn(request);
      const input: CompletionInput = {
        completionId: turn.completionId,
        threadId: turn.threadId,
        userId: request.userId,
        assistantMessageId: turn.assistantMessageId,
        ...turn.spec,
        ...(turn.after ? { afterCompletionId: turn.after.id } : {}),
      };
      return {
        turn: { completionId: turn.completionId, threadId: turn.threadId, assistantMessageId: turn.assistantMessageId, workflowId: turn.workflowId } satisfies StartedTurn,
        async launch(): Promise<void> {
          try {
            await temporal.workflow.start<typeof completionWorkflow>('completionWorkflow', {
              taskQueue,
              workflowId: turn.workflowId,
              args: [input],
              memo: { threadTitle: turn.threadTitle ?? '', threadId: input.threadId },
              staticSummary: `completion in "${(turn.threadTitle ?? input.threadId).slice(0, 60)}" (${input.model})`,
              typedSearchAttributes: completionSearchAttributes(input, turn.after ? 'queued' : 'running'),
              requestEagerStart: eagerStart,
            });
          } catch (error) {
            log.error(`starting ${turn.workflowId} failed: ${(error as Error).message}`);
            await undo(turn, request.userId).catch((undoError: Error) => log.error(`undo of ${turn.completionId} failed: ${undoError.message}`));
            throw new AppError(503, 'temporal_unavailable', 'could not start the completion; try again shortly');
          }
          await Promise.all([
            canceller
              .honourStopBeforeStart(turn.completionId)
              .catch((error: Error) => log.warn(`passing an early stop to ${turn.workflowId}: ${error.message}`)),
            // `interrupt`: the new turn is queued behind the running one, which is stopped with its text kept.
            turn.interrupt && turn.after
              ? canceller.cancel(turn.after, request.userId).catch((error: Error) => log.warn(`interrupting ${turn.after!.id}: ${error.message}`))
              : undefined,
          ]);
        },
      };
    },
  };
}

export type CompletionStarter = ReturnType<typeof createCompletionStarter>;

function titleFrom(parts: UIPart[]): string | null {
  const text = parts.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join(' ');
  const title = text.replace(/\s+/g, ' ').trim().slice(0, 80);
  return title || null;
}
