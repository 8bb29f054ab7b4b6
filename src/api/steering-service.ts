/**
 * Steering for the API: a message for the thread's running answer is stored (pending), then handed to its workflow
 * through the `steer` update, whose validator has the final word; the model step that receives it delivers it
 * (src/completions/steering.ts). Postgres is read first so a message that cannot land is answered at once and
 * clearly: a 409 naming why, or, on an `enqueue` thread, the next turn. A refused message is taken back, so a
 * refusal leaves nothing behind; a resent one (same client id) gets its first outcome and nothing is duplicated.
 */
import {
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type pg from 'pg';
import {
  findSteering,
  recordSteeringAccepted,
  steeringOutcome,
  storeSteering,
  withdrawSteering,
  type SteeringOutcome,
} from '../completions/steering.js';
import type { CompletionRow } from '../db/completions-repo.js';
import { newId } from '../db/ids.js';
import type { SteeringMode, SteeringParts, SteeringRow } from '../db/steering-repo.js';
import type { ThreadRow } from '../db/threads-repo.js';
import { completionWorkflowId, STEER_REJECTIONS, steerUpdate } from '../workflows/definitions.js';
import { AppError, conflict, notFound } from './app-error.js';
import type { CompletionReconciler } from './completion-reconciler.js';
import type { CompletionStarter } from './completion-starter.js';
import type { ThreadService } from './thread-service.js';

export interface SteerRequest {
  userId: string;
  clientThreadId: string;
  /** The client's id of the message, unique per thread. */
  messageId: string;
  parts: SteeringParts;
  mode: SteeringMode;
}

/** Why a message cannot land in the thread's answer; each is the 409's code. */
export type Unlandable =
  | 'no_running_answer'
  | 'answer_stopped'
  | 'answer_failed'
  | 'answer_queued'
  | 'awaiting_approval'
  | 'answer_finishing'
  | 'step_limit';

const EXPLAINED: Record<Unlandable, string> = {
  no_running_answer: 'no answer is running in this thread; send the message as a new turn',
  answer_stopped: 'the answer was stopped; send the message as a new turn',
  answer_failed: 'the answer failed; send the message as a new turn',
  answer_queued: 'the answer has not started yet (it waits for the one before it); send the message as a new turn',
  awaiting_approval: 'the answer is waiting for an approval; decide it (or stop the answer) first',
  answer_finishing: 'the answer is finishing and takes no more messages; send the message as a new turn',
  step_limit: 'the answer has no model step left to receive the message; send it as a new turn',
};

const REJECTED_AS: Record<string, Unlandable> = {
  [STEER_REJECTIONS.queued]: 'answer_queued',
  [STEER_REJECTIONS.awaitingApproval]: 'awaiting_approval',
  [STEER_REJECTIONS.finishing]: 'answer_finishing',
  [STEER_REJECTIONS.stopped]: 'answer_stopped',
  [STEER_REJECTIONS.stepLimit]: 'step_limit',
};

export type SteerResult =
  /** In the running answer's hands (`pending`), or settled since (a resend). */
  | { kind: 'steering'; outcome: SteeringOutcome }
  /** Could not land; the thread's policy made it the next turn (`completionId`). */
  | { kind: 'enqueued'; outcome: SteeringOutcome }
  | { kind: 'unlandable'; reason: Unlandable };

export function createSteeringService(deps: {
  pool: pg.Pool;
  temporal: Client;
  threads: ThreadService;
  reconciler: CompletionReconciler;
  starter: CompletionStarter;
}) {
  const { pool, threads } = deps;

  /** The thread's answer that can take a message now, or why there is none. */
  async function runningAnswer(thread: ThreadRow): Promise<CompletionRow | Unlandable> {
    let active = await threads.activeCompletion(thread);
    if (active && (await deps.reconciler.settleIfEnded(active))) active = undefined;
    if (!active) {
      const latest = (await threads.completions(thread)).at(-1);
      if (latest?.status === 'cancelled') return 'answer_stopped';
      if (latest?.status === 'failed') return 'answer_failed';
      return 'no_running_answer';
    }
    if (active.cancelRequestedAt) return 'answer_stopped';
    if (active.status === 'awaiting_approval') return 'awaiting_approval';
    if (active.status === 'queued') return 'answer_queued';
    return active;
  }

  /**
   * Hands a stored message to its answer's workflow. The update id is the message's, so a resend is the same
   * update to Temporal (and to the workflow, which takes an id once). Undefined when it was accepted.
   */
  async function handOver(row: SteeringRow, workflowId: string): Promise<Unlandable | undefined> {
    try {
      await deps.temporal.workflow
        .getHandle(workflowId)
        .executeUpdate(steerUpdate, { updateId: row.id, args: [{ steeringId: row.id, mode: row.mode }] });
      return undefined;
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const type = (error.cause as { type?: string } | undefined)?.type;
        return (type ? REJECTED_AS[type] : undefined) ?? 'answer_finishing';
      }
      if (error instanceof WorkflowNotFoundError) return 'answer_finishing';
      if (error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        // Whether it landed is unknown: the message stays pending; a resend asks again (the same update id).
        throw new AppError(503, 'temporal_unavailable', `the message did not reach the answer: ${error.message}`);
      }
      throw error;
    }
  }

  /** What became of a message already stored: settled, or still pending (asked again, in case it never got there). */
  async function resent(row: SteeringRow, request: SteerRequest, thread: ThreadRow): Promise<SteerResult> {
    if (row.status === 'enqueued') return { kind: 'enqueued', outcome: steeringOutcome(row) };
    if (row.status !== 'pending') return { kind: 'steering', outcome: steeringOutcome(row) };
    const refused = await handOver(row, completionWorkflowId(row.completionId));
    if (!refused) {
      await recordSteeringAccepted(pool, row, { workflowId: completionWorkflowId(row.completionId), runId: null });
      return {
        kind: 'steering',
        outcome: steeringOutcome((await findSteering(pool, row.threadId, row.clientMessageId)) ?? row),
      };
    }
    // Settled meanwhile (its answer ended): that is its outcome. Still pending, its answer never took it (the
    // request that stored it died before asking): it is sent afresh.
    const now = await findSteering(pool, row.threadId, row.clientMessageId);
    if (now && now.status !== 'pending') return { kind: 'steering', outcome: steeringOutcome(now) };
    if (now) await withdrawSteering(pool, now);
    return first(request, thread);
  }

  async function first(request: SteerRequest, thread: ThreadRow): Promise<SteerResult> {
    const answer = await runningAnswer(thread);
    if (typeof answer === 'string') return { kind: 'unlandable', reason: answer };
    const { row, inserted } = await storeSteering(pool, {
      id: newId('stm'),
      clientMessageId: request.messageId,
      threadId: thread.id,
      completionId: answer.id,
      userId: thread.userId,
      sender: request.userId,
      parts: request.parts,
      mode: request.mode,
    });
    if (!inserted) return resent(row, request, thread);
    const refused = await handOver(row, answer.workflowId);
    if (refused) {
      await withdrawSteering(pool, row);
      return { kind: 'unlandable', reason: refused };
    }
    await recordSteeringAccepted(pool, row, { workflowId: answer.workflowId, runId: null });
    return { kind: 'steering', outcome: steeringOutcome(row) };
  }

  /** Opens the next turn with the message (`enqueue` threads); a concurrent resend finds the one recorded first. */
  async function enqueue(request: SteerRequest, thread: ThreadRow, reason: Unlandable): Promise<SteerResult> {
    try {
      const prepared = await deps.starter.prepare({
        userId: request.userId,
        clientThreadId: request.clientThreadId,
        createThread: false,
        userMessage: { uiMessageId: request.messageId, parts: request.parts },
        choices: {},
        fromSteering: { id: newId('stm'), mode: request.mode, reason },
      });
      await prepared.launch();
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'steering_message_exists')) throw error;
    }
    const row = await findSteering(pool, thread.id, request.messageId);
    if (!row) throw new AppError(500, 'steering_lost', 'the message was enqueued but cannot be found');
    return { kind: 'enqueued', outcome: steeringOutcome(row) };
  }

  return {
    /**
     * Steers the thread's running answer. Refusals: the thread not the caller's (404); a message that cannot land
     * is `unlandable` unless the thread's policy is `enqueue`, which makes it the next turn.
     */
    async steer(request: SteerRequest): Promise<SteerResult> {
      const thread = await threads.getOwn(request.clientThreadId, request.userId);
      const existing = await findSteering(pool, thread.id, request.messageId);
      const result = existing ? await resent(existing, request, thread) : await first(request, thread);
      if (result.kind === 'unlandable' && thread.doubleTextPolicy === 'enqueue')
        return enqueue(request, thread, result.reason);
      return result;
    },

    /**
     * A new chat message on a `steer` thread whose answer is running: delivered into it. Undefined when there is
     * nothing to steer, or the message cannot land, so it opens a turn as any message does (queued behind the
     * answer, or refused beside an approval). `thread` is the caller's thread of `request.clientThreadId`, as the
     * route looked it up (it hands the same row on to the turn's opening, which then need not read it again).
     */
    async steerFromChat(
      request: SteerRequest,
      thread: ThreadRow | undefined,
    ): Promise<{ completion: CompletionRow; outcome: SteeringOutcome } | undefined> {
      if (!thread || thread.doubleTextPolicy !== 'steer') return undefined;
      const existing = await findSteering(pool, thread.id, request.messageId);
      const result = existing ? await resent(existing, request, thread) : await first(request, thread);
      if (result.kind !== 'steering') return undefined;
      const completion = (await threads.completions(thread)).find((c) => c.id === result.outcome.completionId);
      return completion && { completion, outcome: result.outcome };
    },

    /** A message's outcome, read through the thread's owner (404 for anyone else's, or an id never sent). */
    async get(userId: string, clientThreadId: string, messageId: string): Promise<SteeringOutcome> {
      const thread = await threads.getOwn(clientThreadId, userId);
      const row = await findSteering(pool, thread.id, messageId);
      if (!row) throw notFound('steering message');
      return steeringOutcome(row);
    },
  };
}

/** The 409 for a message that cannot land. */
export function unlandableError(reason: Unlandable): AppError {
  return conflict(EXPLAINED[reason], reason);
}

export type SteeringService = ReturnType<typeof createSteeringService>;
