/**
 * A user's threads for /v1/threads and useChat's endpoints: created, listed, renamed, deleted, and read with their
 * completions, transcript and audit ledger. Threads are read only through their owner: another user's thread is
 * indistinguishable from none.
 */
import type pg from 'pg';
import { createAuditRepo, type AuditEvent, type AuditRow } from '../db/audit-repo.js';
import { ACTIVE_STATUSES, createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { newId } from '../db/ids.js';
import { createMessagesRepo, toUIMessages } from '../db/messages-repo.js';
import { createThreadsRepo, type DeletedThread, type DoubleTextPolicy, type ThreadRow } from '../db/threads-repo.js';
import { withTransaction } from '../db/transaction.js';
import { conflict, notFound } from './app-error.js';
import type { CompletionReconciler } from './completion-reconciler.js';
import type { TurnPolicy } from '../completions/turn-policy.js';

export interface NewThread {
  id?: string;
  title?: string;
  doubleTextPolicy?: DoubleTextPolicy;
  agent?: string;
}

export interface ThreadChanges {
  title?: string;
  doubleTextPolicy?: DoubleTextPolicy;
  agent?: string;
}

export function createThreadService(deps: {
  pool: pg.Pool;
  reconciler: CompletionReconciler;
  policy: TurnPolicy;
  defaultDoubleTextPolicy: DoubleTextPolicy;
}) {
  const threads = createThreadsRepo(deps.pool);
  const completions = createCompletionsRepo(deps.pool);
  const messages = createMessagesRepo(deps.pool);
  const audit = createAuditRepo(deps.pool);

  /** The caller's thread; 404 when it is not theirs. */
  async function getOwn(threadId: string, userId: string): Promise<ThreadRow> {
    const thread = await threads.get(threadId, userId);
    if (!thread) throw notFound('thread');
    return thread;
  }

  /** The completion the thread points at, while it is still queued, running or awaiting approval. */
  async function activeCompletion(thread: ThreadRow): Promise<CompletionRow | undefined> {
    const completion = thread.activeCompletionId ? await completions.get(thread.activeCompletionId) : undefined;
    return completion && ACTIVE_STATUSES.includes(completion.status) ? completion : undefined;
  }

  return {
    getOwn,
    activeCompletion,

    async create(userId: string, input: NewThread): Promise<ThreadRow> {
      try {
        return await threads.create(
          input.id ?? newId('thr'),
          userId,
          input.title ?? null,
          input.doubleTextPolicy ?? deps.defaultDoubleTextPolicy,
          input.agent ? deps.policy.agentName(input.agent) : null,
        );
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw conflict('a thread with this id already exists');
        throw error;
      }
    },

    list: (userId: string, limit: number, before?: Date) => threads.list(userId, limit, before),

    async update(thread: ThreadRow, changes: ThreadChanges): Promise<ThreadRow | undefined> {
      if (changes.agent) deps.policy.agentName(changes.agent);
      return threads.update(thread.id, thread.userId, changes);
    },

    /**
     * Refused while a turn runs, unless that turn turns out to have ended outside Longhaul. The ledger stays: each
     * deleted thread (sub-agent threads go with it) gets a `thread_deleted` row in the same transaction.
     */
    async delete(thread: ThreadRow): Promise<void> {
      const active = await activeCompletion(thread);
      if (active && !(await deps.reconciler.settleIfEnded(active))) {
        throw conflict('the thread has a running completion; cancel it first', 'completion_running');
      }
      await withTransaction(deps.pool, async (db) => {
        const deleted = await createThreadsRepo(db).delete(thread.id, thread.userId);
        if (deleted.length === 0) throw notFound('thread');
        for (const gone of deleted) await createAuditRepo(db).append(tombstone(thread, gone));
      });
    },

    completions: (thread: ThreadRow) => completions.listByThread(thread.id),

    /** The thread's ledger, also once the thread is deleted; 404 when the caller has neither thread nor ledger. */
    async auditLedger(threadId: string, userId: string): Promise<AuditRow[]> {
      const [thread, events] = await Promise.all([threads.get(threadId, userId), audit.listByThread(threadId, userId)]);
      if (!thread && events.length === 0) throw notFound('thread');
      return events;
    },
    async uiMessages(thread: ThreadRow) {
      return toUIMessages(await messages.listForThread(thread.id));
    },
  };
}

/** A deleted thread's last ledger row: who deleted it and how much went, never what it said. */
function tombstone(thread: ThreadRow, gone: DeletedThread): AuditEvent {
  const root = gone.id === thread.id;
  return {
    // A thread id can be used again after a delete; its creation time tells the two lives apart.
    key: `thread_deleted:${thread.userId}:${gone.id}:${gone.createdAt.toISOString()}`,
    threadId: gone.id,
    completionId: null,
    userId: thread.userId,
    type: 'thread_deleted',
    actor: thread.userId,
    data: {
      titleLength: gone.titleLength,
      messagesDeleted: gone.messages,
      completionsDeleted: gone.completions,
      ...(root ? {} : { deletedWith: thread.id }),
    },
  };
}

export type ThreadService = ReturnType<typeof createThreadService>;
