import type { Queryable } from './pool.js';

export interface NoteRow {
  id: string;
  userId: string;
  threadId: string | null;
  title: string;
  body: string;
  createdAt: Date;
}

export interface NewNote {
  id: string;
  userId: string;
  threadId: string | null;
  title: string;
  body: string;
}

export interface NoteSummary {
  id: string;
  title: string;
  createdAt: Date;
}

const COLUMNS = `id, user_id AS "userId", thread_id AS "threadId", title, body, created_at AS "createdAt"`;

/** Notes are read through their owner, like threads: another user's note is indistinguishable from none. */
export function createNotesRepo(db: Queryable) {
  return {
    /**
     * Idempotent on the id (the tool call id): a retry returns the note the first attempt stored, unchanged.
     * Two statements rather than one CTE, so the read sees a row a concurrent attempt committed meanwhile.
     */
    async save(note: NewNote): Promise<NoteRow> {
      await db.query(
        `INSERT INTO notes (id, user_id, thread_id, title, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [note.id, note.userId, note.threadId, note.title, note.body],
      );
      const { rows } = await db.query<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE id = $1 AND user_id = $2`, [
        note.id,
        note.userId,
      ]);
      const stored = rows[0];
      if (!stored) throw new Error(`note id ${note.id} already belongs to another user`);
      return stored;
    },

    /** Newest first, without bodies: a listing is for choosing which note to read. */
    async list(userId: string, limit: number): Promise<NoteSummary[]> {
      const { rows } = await db.query<NoteSummary>(
        `SELECT id, title, created_at AS "createdAt" FROM notes WHERE user_id = $1
         ORDER BY created_at DESC, id LIMIT $2`,
        [userId, limit],
      );
      return rows;
    },

    async get(id: string, userId: string): Promise<NoteRow | undefined> {
      const { rows } = await db.query<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE id = $1 AND user_id = $2`, [
        id,
        userId,
      ]);
      return rows[0];
    },
  };
}

export type NotesRepo = ReturnType<typeof createNotesRepo>;
