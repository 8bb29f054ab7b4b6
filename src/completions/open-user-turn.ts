/**
 * A user's turn on a thread: decided and written in one transaction that holds the thread row, so two messages to
 * one thread never both find it idle. The thread's running turn decides what the new one does (the thread's
 * double-texting policy: refuse, queue behind it, or interrupt it); a regenerate answers the latest user message
 * again, taking its answer out of the transcript. Nothing here waits on the network while the lock is held: a
 * running turn whose workflow may have ended outside Longhaul is settled by the caller before (`runningTurnOf`).
 */
import type { AuditEvent } from '../db/audit-repo.js';
import { ACTIVE_STATUSES, createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { newId } from '../db/ids.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { steeringPartsSchema, type SteeringMode } from '../db/steering-repo.js';
import { createThreadsRepo, type DoubleTextPolicy, type ThreadRow } from '../db/threads-repo.js';
import { withTransaction } from '../db/transaction.js';
import type { UIPart } from '../db/ui-parts.js';
import type { LifecycleDeps } from './lifecycle-deps.js';
import { checkActiveCompletionsCap } from './active-completions-cap.js';
import { openTurn, ThreadCreatedConcurrently, type TurnToOpen } from './open-turn.js';
import { recordSteeringEnqueued } from './steering.js';
import type { ResolvedTurn, TurnChoices, TurnPolicy } from './turn-policy.js';

export interface UserTurnRequest {
  userId: string;
  /** The thread as the client names it: its own id, unique per user only. */
  clientThreadId: string;
  /** Create the thread when missing (useChat's first message); otherwise a missing thread is refused. */
  createThread: boolean;
  /**
   * The user's new message, or `regenerate`: answer the thread's latest user message once more (useChat's
   * regenerate), taking the answer it had out of the transcript. `uiMessageId` names that message, as the client
   * knows it, so both sides agree on what is answered again.
   */
  userMessage: { uiMessageId: string; parts: UIPart[] } | { regenerate: true; uiMessageId: string };
  /** What the caller asked to run as; resolved against the thread's agent and the server's defaults. */
  choices: TurnChoices;
  /**
   * Set when the message was sent to steer a running answer that could not take it (`enqueue` threads): it is
   * recorded as a steering message that became this turn, in the same commit, so a resend finds it.
   */
  fromSteering?: { id: string; mode: SteeringMode; reason: string };
  /**
   * Set by a turn that must open once however often it is asked (a schedule's run, whose activity may be retried):
   * the completion's id, chosen by the caller.
   */
  completionId?: string;
  /** A fact the opening records in the ledger beside the turn (a schedule's run: `schedule_fired`). */
  audit?: Pick<AuditEvent, 'type' | 'actor' | 'data'>;
}

export interface OpenedUserTurn {
  completionId: string;
  /** Longhaul's id of the thread (new threads get one made here); the client's stays `request.clientThreadId`. */
  threadId: string;
  assistantMessageId: string;
  workflowId: string;
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

/** Why a user's turn was not opened; the API answers `thread_not_found` with a 404 and the others with a 409. */
export class TurnNotOpened extends Error {
  override name = 'TurnNotOpened';
  constructor(
    readonly code:
      | 'thread_not_found'
      | 'completion_running'
      | 'not_latest'
      | 'thread_created_concurrently'
      | 'steering_message_exists',
    message: string,
  ) {
    super(message);
  }
}

export interface UserTurnDeps extends Pick<LifecycleDeps, 'pool'> {
  policy: TurnPolicy;
  /** For threads created by their first message. */
  defaultDoubleTextPolicy: DoubleTextPolicy;
  /** Active completions a user may have (a new turn would add one); 0 = unlimited. */
  maxActiveCompletions?: number;
}

/**
 * The caller's thread's running turn, read without a lock: the one to ask Temporal about before opening the next.
 * `seen` is the thread as the caller already read it (also without a lock), so it is not read twice.
 */
export async function runningTurnOf(
  { pool }: Pick<LifecycleDeps, 'pool'>,
  request: Pick<UserTurnRequest, 'clientThreadId' | 'userId'>,
  seen?: { thread: ThreadRow | undefined },
): Promise<CompletionRow | undefined> {
  const thread = seen
    ? seen.thread
    : await createThreadsRepo(pool).getByClientId(request.clientThreadId, request.userId);
  const active = thread?.activeCompletionId
    ? await createCompletionsRepo(pool).get(thread.activeCompletionId)
    : undefined;
  return active && ACTIVE_STATUSES.includes(active.status) ? active : undefined;
}

export async function openUserTurn(
  { pool, policy, defaultDoubleTextPolicy, maxActiveCompletions = 0 }: UserTurnDeps,
  request: UserTurnRequest,
): Promise<OpenedUserTurn> {
  return withTransaction(pool, async (client) => {
    const completions = createCompletionsRepo(client);
    const thread = await createThreadsRepo(client).lockByClientId(request.clientThreadId, request.userId);
    const missing = new TurnNotOpened('thread_not_found', 'thread not found');
    const spec = policy.resolve(request.choices, { threadAgent: thread?.agent ?? null });
    if (!thread && (!request.createThread || 'regenerate' in request.userMessage)) throw missing;
    // Before anything is written: every path below opens a completion (a queued one too).
    await checkActiveCompletionsCap(client, request.userId, maxActiveCompletions);
    // A new thread's id is Longhaul's own: the client's id is unique per user only.
    const threadId = thread?.id ?? newId('thr');
    // Whatever runs now is busy, settled by the caller or not: a turn that became active since was just started.
    const active = thread?.activeCompletionId ? await completions.get(thread.activeCompletionId) : undefined;
    const busyWith = active && ACTIVE_STATUSES.includes(active.status) ? active : undefined;
    const doubleTextPolicy = thread?.doubleTextPolicy ?? defaultDoubleTextPolicy;
    // A stopping turn has already shown `abort`: the next one waits the moment it takes to finish, whatever the policy.
    if (busyWith && doubleTextPolicy === 'reject' && !busyWith.cancelRequestedAt) {
      throw new TurnNotOpened(
        'completion_running',
        `thread ${request.clientThreadId} already has a running completion (${busyWith.id}); wait for it, cancel it, or set the thread's doubleTextPolicy to enqueue, interrupt or steer`,
      );
    }
    // `steer` delivers a message into a running answer before a turn is opened (steering.ts); what comes here could
    // not land and waits for the answer's end, except beside an approval, which the user must answer first.
    if (
      busyWith &&
      doubleTextPolicy === 'steer' &&
      busyWith.status === 'awaiting_approval' &&
      !busyWith.cancelRequestedAt
    ) {
      throw new TurnNotOpened(
        'completion_running',
        `thread ${request.clientThreadId}'s answer (${busyWith.id}) is waiting for an approval; decide it or stop it first`,
      );
    }
    let userMessage: TurnToOpen['userMessage'];
    let superseded: string[] = [];
    if ('regenerate' in request.userMessage) {
      // Answering again never overlaps a running answer: the client has just dropped the one it replaces.
      if (busyWith) {
        throw new TurnNotOpened(
          'completion_running',
          `thread ${request.clientThreadId} has a running completion (${busyWith.id}); stop it before regenerating`,
        );
      }
      const latest = await createMessagesRepo(client).latestUserMessage(threadId);
      if (!latest || latest.uiMessageId !== request.userMessage.uiMessageId) {
        throw new TurnNotOpened('not_latest', "only the answer to the thread's latest user message can be regenerated");
      }
      superseded = (await completions.listCurrentAnswers(latest.id)).map((answer) => answer.id);
      await completions.setSuperseded(superseded, 'now');
      userMessage = { answersAgain: latest.id };
    } else {
      userMessage = {
        id: newId('msg'),
        uiMessageId: request.userMessage.uiMessageId,
        parts: request.userMessage.parts,
      };
    }
    const threadTitle = thread
      ? thread.title
      : 'parts' in request.userMessage
        ? titleFrom(request.userMessage.parts)
        : null;
    const completionId = request.completionId ?? newId('cmp');
    const assistantMessageId = newId('msg');
    // Another request may create the thread between the lock (of no row) and the insert: this one saw none of its turns.
    const opened = await openTurn(client, {
      completionId,
      assistantMessageId,
      userId: request.userId,
      threadId,
      spec,
      // A thread's first turn binds it to the agent it asked for; later turns follow it unless they ask otherwise.
      ...(thread
        ? {}
        : {
            newThread: {
              clientId: request.clientThreadId,
              title: threadTitle,
              doubleTextPolicy,
              agent: request.choices.agent ?? null,
            },
          }),
      userMessage,
      ...(busyWith ? { afterCompletionId: busyWith.id } : {}),
      ...('regenerate' in request.userMessage
        ? {
            audit: {
              type: 'answer_regenerated',
              actor: request.userId,
              data: { userMessageId: request.userMessage.uiMessageId, superseded },
            },
          }
        : request.audit
          ? { audit: request.audit }
          : {}),
    }).catch((error: unknown) => {
      throw error instanceof ThreadCreatedConcurrently
        ? new TurnNotOpened('thread_created_concurrently', error.message)
        : error;
    });
    if (request.fromSteering && 'parts' in request.userMessage) {
      const recorded = await recordSteeringEnqueued(client, {
        id: request.fromSteering.id,
        clientMessageId: request.userMessage.uiMessageId,
        threadId,
        completionId,
        userId: request.userId,
        sender: request.userId,
        parts: steeringPartsSchema.parse(request.userMessage.parts),
        mode: request.fromSteering.mode,
        reason: request.fromSteering.reason,
      });
      if (!recorded) {
        throw new TurnNotOpened('steering_message_exists', 'this steering message was already sent to the thread');
      }
    }
    return {
      completionId,
      threadId,
      threadTitle,
      assistantMessageId,
      workflowId: opened.workflowId,
      spec,
      createdThread: opened.createdThread,
      ...(opened.userMessage.inserted ? { userMessageRowId: opened.userMessage.id } : {}),
      ...(superseded.length > 0 ? { superseded } : {}),
      ...(busyWith
        ? { after: busyWith, interrupt: doubleTextPolicy === 'interrupt' && !busyWith.cancelRequestedAt }
        : {}),
    };
  });
}

function titleFrom(parts: UIPart[]): string | null {
  const text = parts.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join(' ');
  const title = text.replace(/\s+/g, ' ').trim().slice(0, 80);
  return title || null;
}
