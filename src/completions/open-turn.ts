/**
 * Opening a turn writes its rows: the thread when it is new, the user's message, the completion, the thread's
 * pointer to it, and the audit fact the opening carries. A user's turn (the API) and a sub-agent's turn (the
 * worker) both open here. Every write is idempotent, so a retried sub-agent preparation, whose ids are derived
 * from its tool call, finds what it wrote before and writes nothing twice.
 */
import { createAuditRepo, type AuditEvent } from '../db/audit-repo.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
import { createThreadsRepo, type DoubleTextPolicy } from '../db/threads-repo.js';
import type { UIPart } from '../db/ui-parts.js';
import { completionWorkflowId } from '../workflows/definitions.js';
import type { LifecycleDeps } from './lifecycle-deps.js';
import type { ResolvedTurn } from './turn-policy.js';

export interface TurnToOpen {
  completionId: string;
  assistantMessageId: string;
  userId: string;
  threadId: string;
  /** What the turn runs as, from the turn policy. */
  spec: ResolvedTurn;
  /** Given when the thread may not exist yet: it is created with these (`clientId`: the id its client names it by). */
  newThread?: {
    clientId: string;
    title: string | null;
    doubleTextPolicy: DoubleTextPolicy;
    agent: string | null;
    parentThreadId?: string;
  };
  /** The message the turn answers: a new one, stored once per UI message id, or a stored one answered again. */
  userMessage: { id: string; uiMessageId: string; parts: UIPart[] } | { answersAgain: string };
  /** An earlier completion of the thread this one waits for (double texting). */
  afterCompletionId?: string;
  parentCompletionId?: string;
  /** A fact the opening records in the ledger (a regenerate's `answer_regenerated`), stamped with the turn's ids. */
  audit?: Pick<AuditEvent, 'type' | 'actor' | 'data'>;
}

export interface OpenedTurn {
  workflowId: string;
  /** Whether this call created the thread (false when it existed, also when another request created it first). */
  createdThread: boolean;
  /** The user message's row id, and whether this call stored it (a resent message is stored once). */
  userMessage: { id: string; inserted: boolean };
}

/** A new thread's client id was taken, between the caller's lookup and the insert, by another request of its user. */
export class ThreadCreatedConcurrently extends Error {
  override name = 'ThreadCreatedConcurrently';
  constructor(readonly clientThreadId: string) {
    super(`thread ${clientThreadId} was created by another request; send the message again`);
  }
}

/** Writes the turn's rows on `db`; the caller decides the transaction (and any lock) around them. */
export async function openTurn(db: Queryable, turn: TurnToOpen): Promise<OpenedTurn> {
  const completions = createCompletionsRepo(db);
  const threads = createThreadsRepo(db);
  const workflowId = completionWorkflowId(turn.completionId);
  const createdThread = turn.newThread
    ? await threads.createIfMissing({ id: turn.threadId, userId: turn.userId, ...turn.newThread })
    : false;
  // Not created and not there: another request of the user created a thread of this client id, under its own id.
  if (turn.newThread && !createdThread && !(await threads.lockById(turn.threadId))) {
    throw new ThreadCreatedConcurrently(turn.newThread.clientId);
  }
  const userMessage = await completions.createAndActivate({
    id: turn.completionId,
    threadId: turn.threadId,
    userId: turn.userId,
    model: turn.spec.model,
    agent: turn.spec.agent,
    assistantMessageId: turn.assistantMessageId,
    workflowId,
    answers:
      'answersAgain' in turn.userMessage
        ? { storedId: turn.userMessage.answersAgain }
        : { threadId: turn.threadId, ...turn.userMessage },
    ...(turn.afterCompletionId ? { afterCompletionId: turn.afterCompletionId } : {}),
    ...(turn.parentCompletionId ? { parentCompletionId: turn.parentCompletionId } : {}),
  });
  if (turn.audit) {
    await createAuditRepo(db).append({
      ...turn.audit,
      key: `${turn.audit.type}:${turn.completionId}`,
      threadId: turn.threadId,
      completionId: turn.completionId,
      userId: turn.userId,
      workflowId,
    });
  }
  return { workflowId, createdThread, userMessage };
}

/** What `undoTurn` takes back: the rows an opening wrote, and a regenerate's answers it took out of the transcript. */
export interface TurnToUndo {
  completionId: string;
  threadId: string;
  userId: string;
  createdThread: boolean;
  /** The user message's row, when the opening stored it. */
  userMessageRowId?: string;
  superseded?: string[];
}

/** Takes back a turn whose workflow never started (Temporal refused it), so a failed request leaves nothing half-written. */
export async function undoTurn({ pool }: Pick<LifecycleDeps, 'pool'>, turn: TurnToUndo): Promise<void> {
  await withTransaction(pool, async (db) => {
    const completions = createCompletionsRepo(db);
    await createAuditRepo(db).withdrawTurn(turn.completionId);
    await completions.delete(turn.completionId);
    if (turn.superseded) await completions.setSuperseded(turn.superseded, null);
    if (turn.userMessageRowId) await createMessagesRepo(db).deleteById(turn.userMessageRowId);
    if (turn.createdThread) await createThreadsRepo(db).delete(turn.threadId, turn.userId);
  });
}
