import type { Queryable } from './pool.js';

export const DOUBLE_TEXT_POLICIES = ['reject', 'enqueue', 'interrupt', 'steer'] as const;
export type DoubleTextPolicy = (typeof DOUBLE_TEXT_POLICIES)[number];

export interface ThreadRow {
  /** Longhaul's id: what rows, workflows and search attributes refer to. Never shown to the client. */
  id: string;
  /** The id the client chose (or was given), unique per user: what the API shows and takes. */
  clientId: string;
  userId: string;
  title: string | null;
  doubleTextPolicy: DoubleTextPolicy;
  agent: string | null;
  activeCompletionId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a new thread is written with; the rest starts empty. */
export type NewThreadRow = Pick<ThreadRow, 'id' | 'clientId' | 'userId' | 'title' | 'doubleTextPolicy' | 'agent'>;

/** A deleted thread as its tombstone describes it: sizes, never its text. */
export interface DeletedThread {
  id: string;
  clientId: string;
  titleLength: number;
  createdAt: Date;
  messages: number;
  completions: number;
}

const COLUMNS = `id, client_id AS "clientId", user_id AS "userId", title, double_text_policy AS "doubleTextPolicy", agent, active_completion_id AS "activeCompletionId",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Threads are always read through their owner: another user's thread is indistinguishable from none. A client
 * names its threads by their client id, which is unique per user only; `id` is unique across users.
 */
export function createThreadsRepo(db: Queryable) {
  return {
    /** Fails with a unique violation (23505) when the user already has a thread of this client id. */
    async create(t: NewThreadRow): Promise<ThreadRow> {
      const { rows } = await db.query<ThreadRow>(
        `INSERT INTO threads (id, client_id, user_id, title, double_text_policy, agent) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING ${COLUMNS}`,
        [t.id, t.clientId, t.userId, t.title, t.doubleTextPolicy, t.agent],
      );
      return rows[0]!;
    },

    /**
     * Creates the thread unless it exists (this id, or this client id of the user's), and says whether it did: a
     * retried opening of a sub-agent's turn finds the thread it wrote, and a new user thread knows it was not
     * created by another request of the same user.
     */
    async createIfMissing(t: NewThreadRow & { parentThreadId?: string }): Promise<boolean> {
      const result = await db.query(
        `INSERT INTO threads (id, client_id, user_id, title, double_text_policy, agent, parent_thread_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [t.id, t.clientId, t.userId, t.title, t.doubleTextPolicy, t.agent, t.parentThreadId ?? null],
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

    /** Locks the thread of this id, whoever's it is (the worker ending a turn). */
    async lockById(id: string): Promise<ThreadRow | undefined> {
      const { rows } = await db.query<ThreadRow>(`SELECT ${COLUMNS} FROM threads WHERE id = $1 FOR UPDATE`, [id]);
      return rows[0];
    },

    /** The user's thread the client names so, locked. */
    async lockByClientId(clientId: string, userId: string): Promise<ThreadRow | undefined> {
      const { rows } = await db.query<ThreadRow>(
        `SELECT ${COLUMNS} FROM threads WHERE client_id = $1 AND user_id = $2 FOR UPDATE`,
        [clientId, userId],
      );
      return rows[0];
    },

    /** The user's thread the client names so. */
    async getByClientId(clientId: string, userId: string): Promise<ThreadRow | undefined> {
      const { rows } = await db.query<ThreadRow>(
        `SELECT ${COLUMNS} FROM threads WHERE client_id = $1 AND user_id = $2`,
        [clientId, userId],
      );
      return rows[0];
    },

    /** The id the thread's client names it by (undefined for a thread that is gone). */
    async clientIdOf(id: string): Promise<string | undefined> {
      const { rows } = await db.query<{ clientId: string }>(
        `SELECT client_id AS "clientId" FROM threads WHERE id = $1`,
        [id],
      );
      return rows[0]?.clientId;
    },

    async list(userId: string, limit: number, before?: Date): Promise<ThreadRow[]> {
      const { rows } = await db.query<ThreadRow>(
        `SELECT ${COLUMNS} FROM threads WHERE user_id = $1 AND ($2::timestamptz IS NULL OR updated_at < $2)
         ORDER BY updated_at DESC LIMIT $3`,
        [userId, before ?? null, limit],
      );
      return rows;
    },

    /**
     * Deletes the thread with its sub-agent threads (and, by cascade, their messages and completions); returns
     * what went, the thread first, counted as it was before the delete. Empty when the user has no such thread.
     */
    async delete(id: string, userId: string): Promise<DeletedThread[]> {
      const { rows } = await db.query<DeletedThread>(
        `WITH RECURSIVE tree AS (
           SELECT id, client_id, title, created_at, 0 AS depth FROM threads WHERE id = $1 AND user_id = $2
           UNION ALL
           SELECT t.id, t.client_id, t.title, t.created_at, tree.depth + 1 FROM threads t JOIN tree ON t.parent_thread_id = tree.id AND t.user_id = $2
         ), gone AS (
           DELETE FROM threads WHERE id = $1 AND user_id = $2 RETURNING id
         )
         SELECT tree.id, tree.client_id AS "clientId", coalesce(length(tree.title), 0) AS "titleLength", tree.created_at AS "createdAt",
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
