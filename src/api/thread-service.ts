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
import { toClientParts, type ClientVersion } from '../stream/client-version.js';
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

  /** The caller's thread by the id the caller gave it, if the caller has one of that id. */
  const findOwn = (clientThreadId: string, userId: string): Promise<ThreadRow | undefined> =>
    threads.getByClientId(clientThreadId, userId);

  /** As findOwn; 404 when the caller has none of that id. */
  async function getOwn(clientThreadId: string, userId: string): Promise<ThreadRow> {
    const thread = await findOwn(clientThreadId, userId);
    if (!thread) throw notFound('thread');
    return thread;
  }

  /** The completion the thread points at, while it is still queued, running or awaiting approval. */
  async function activeCompletion(thread: ThreadRow): Promise<CompletionRow | undefined> {
    const completion = thread.activeCompletionId ? await completions.get(thread.activeCompletionId) : undefined;
    return completion && ACTIVE_STATUSES.includes(completion.status) ? completion : undefined;
  }

  return {
    findOwn,
    getOwn,
    activeCompletion,

    /** `input.id` is the client's own: only the caller's threads can conflict with it. */
    async create(userId: string, input: NewThread): Promise<ThreadRow> {
      try {
        const id = newId('thr');
        return await threads.create({
          id,
          clientId: input.id ?? id,
          userId,
          title: input.title ?? null,
          doubleTextPolicy: input.doubleTextPolicy ?? deps.defaultDoubleTextPolicy,
          agent: input.agent ? deps.policy.agentName(input.agent) : null,
        });
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw conflict('you already have a thread with this id');
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

    /**
     * The ledger of the caller's thread of this client id, naming the thread as its client does; once the thread
     * is deleted, the ledger of the latest one deleted under that id. 404 when the caller has neither.
     */
    async auditLedger(clientThreadId: string, userId: string): Promise<AuditRow[]> {
      const threadId =
        (await threads.getByClientId(clientThreadId, userId))?.id ??
        (await audit.deletedThreadId(clientThreadId, userId));
      if (!threadId) throw notFound('thread');
      return (await audit.listByThread(threadId, userId)).map((event) => ({ ...event, threadId: clientThreadId }));
    },
    /** The transcript as UI messages in the form the client's `ai` version builds from the stream. */
    async uiMessages(thread: ThreadRow, version: ClientVersion) {
      const rows = await messages.listForThread(thread.id);
      return toUIMessages(rows.map((row) => ({ ...row, parts: toClientParts(row.parts, version) })));
    },
  };
}

/** A deleted thread's last ledger row: who deleted it and how much went, never what it said. */
function tombstone(thread: ThreadRow, gone: DeletedThread): AuditEvent {
  const root = gone.id === thread.id;
  return {
    // A thread id can be used again after a delete; its creation time tells the two lives apart.
    // Longhaul's thread ids are never used again: a client id used again names a new thread.
    key: `thread_deleted:${gone.id}`,
    threadId: gone.id,
    completionId: null,
    userId: thread.userId,
    type: 'thread_deleted',
    actor: thread.userId,
    data: {
      clientThreadId: gone.clientId,
      titleLength: gone.titleLength,
      messagesDeleted: gone.messages,
      completionsDeleted: gone.completions,
      ...(root ? {} : { deletedWith: thread.clientId }),
    },
  };
}

export type ThreadService = ReturnType<typeof createThreadService>;
