import type { Queryable } from './pool.js';

export type DoubleTextPolicy = 'reject' | 'enqueue' | 'interrupt';

export interface ThreadRow {
  id: string;
  userId: string;
  title: string | null;
  doubleTextPolicy: DoubleTextPolicy;
  agent: string | null;
  activeCompletionId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A deleted thread as its tombstone describes it: sizes, never its text. */
export interface DeletedThread {
  id: string;
  titleLength: number;
  createdAt: Date;
  messages: number;
  completions: number;
}

const COLUMNS = `id, user_id AS "userId", title, double_text_policy AS "doubleTextPolicy", agent, active_completion_id AS "activeCompletionId",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Threads are always read through their owner: another user's thread is indistinguishable from none. */
export function createThreadsRepo(db: Queryable) {
  return {
    async create(
      id: string,
      userId: string,
      title: string | null,
      policy: DoubleTextPolicy,
      agent: string | null = null,
    ): Promise<ThreadRow> {
      const { rows } = await db.query<ThreadRow>(
        `INSERT INTO threads (id, user_id, title, double_text_policy, agent) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${COLUMNS}`,
        [id, userId, title, policy, agent],
      );
      return rows[0]!;
    },

    /**
     * Creates the thread unless one with this id exists, and says whether it did: a retried opening of a
     * sub-agent's turn finds the thread it wrote, and a new user thread knows it was not created by someone else.
     */
    async createIfMissing(t: {
      id: string;
      userId: string;
      title: string | null;
      doubleTextPolicy: DoubleTextPolicy;
      agent: string | null;
      parentThreadId?: string;
    }): Promise<boolean> {
      const result = await db.query(
        `INSERT INTO threads (id, user_id, title, double_text_policy, agent, parent_thread_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING`,
        [t.id, t.userId, t.title, t.doubleTextPolicy, t.agent, t.parentThreadId ?? null],
      );
      return (result.rowCount ?? 0) > 0;
    },

    async update(
      id: string,
      userId: string,
      changes: { title?: string; doubleTextPolicy?: DoubleTextPolicy; agent?: string },
    ): Promise<ThreadRow | undefined> {
      const { rows } = await db.query<ThreadRow>(
        `UPDATE threads SET title = coalesce($3, title), double_text_policy = coalesce($4, double_text_policy),
           agent = coalesce($5, agent), updated_at = now()
         WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
        [id, userId, changes.title ?? null, changes.doubleTextPolicy ?? null, changes.agent ?? null],
      );
      return rows[0];
    },

    /** Reads any user's thread, locking it: the caller decides what a foreign owner means. */
    async lockById(id: string): Promise<ThreadRow | undefined> {
      const { rows } = await db.query<ThreadRow>(`SELECT ${COLUMNS} FROM threads WHERE id = $1 FOR UPDATE`, [id]);
      return rows[0];
    },

    async get(id: string, userId: string): Promise<ThreadRow | undefined> {
      const { rows } = await db.query<ThreadRow>(`SELECT ${COLUMNS} FROM threads WHERE id = $1 AND user_id = $2`, [
        id,
        userId,
      ]);
      return rows[0];
    },

    async list(userId: string, limit: number, before?: Date): Promise<ThreadRow[]> {
      const { rows } = await db.query<ThreadRow>(
        `SELECT ${COLUMNS} FROM threads WHERE user_id = $1 AND ($2::timestamptz IS NULL OR updated_at < $2)
         ORDER BY updated_at DESC LIMIT $3`,
        [userId, before ?? null, limit],
      );
      return rows;
    },

    async setActiveCompletion(id: string, completionId: string): Promise<void> {
      await db.query(`UPDATE threads SET active_completion_id = $2, updated_at = now() WHERE id = $1`, [
        id,
        completionId,
      ]);
    },

    /** Clears the pointer only if it still names this completion, so a newer turn is never cleared by an old one. */
    async clearActiveCompletion(id: string, completionId: string): Promise<void> {
      await db.query(
        `UPDATE threads SET active_completion_id = NULL, updated_at = now()
         WHERE id = $1 AND active_completion_id = $2`,
        [id, completionId],
      );
    },

    /**
     * Deletes the thread with its sub-agent threads (and, by cascade, their messages and completions); returns
     * what went, the thread first, counted as it was before the delete. Empty when the user has no such thread.
     */
    async delete(id: string, userId: string): Promise<DeletedThread[]> {
      const { rows } = await db.query<DeletedThread>(
        `WITH RECURSIVE tree AS (
           SELECT id, title, created_at, 0 AS depth FROM threads WHERE id = $1 AND user_id = $2
           UNION ALL
           SELECT t.id, t.title, t.created_at, tree.depth + 1 FROM threads t JOIN tree ON t.parent_thread_id = tree.id AND t.user_id = $2
         ), gone AS (
           DELETE FROM threads WHERE id = $1 AND user_id = $2 RETURNING id
         )
         SELECT tree.id, coalesce(length(tree.title), 0) AS "titleLength", tree.created_at AS "createdAt",
           (SELECT count(*)::int FROM messages m WHERE m.thread_id = tree.id) AS "messages",
           (SELECT count(*)::int FROM completions c WHERE c.thread_id = tree.id) AS "completions"
         FROM tree WHERE EXISTS (SELECT 1 FROM gone) ORDER BY tree.depth, tree.created_at`,
        [id, userId],
      );
      return rows;
    },
  };
}

export type ThreadsRepo = ReturnType<typeof createThreadsRepo>;
