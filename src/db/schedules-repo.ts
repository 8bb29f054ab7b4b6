import type { Queryable } from './pool.js';

/** A scheduled agent's Postgres half: who owns it and what each run sends where. Its timing lives in Temporal. */
export interface ScheduleRow {
  id: string;
  userId: string;
  agent: string;
  /** The text each run sends as the user's message. */
  message: string;
  /** Longhaul's id of the thread the runs post to; null: each run opens a new thread. */
  threadId: string | null;
  /** The thread as its client names it (null with `threadId`). */
  clientThreadId: string | null;
  createdAt: Date;
}

export type NewScheduleRow = Pick<ScheduleRow, 'id' | 'userId' | 'agent' | 'message' | 'threadId'>;

const COLUMNS = `s.id, s.user_id AS "userId", s.agent, s.message, s.thread_id AS "threadId",
  t.client_id AS "clientThreadId", s.created_at AS "createdAt"`;
const FROM = `schedules s LEFT JOIN threads t ON t.id = s.thread_id`;

/** Schedules are read through their owner, except by the run that fires them (`getById`, ids from Temporal). */
export function createSchedulesRepo(db: Queryable) {
  return {
    async create(s: NewScheduleRow): Promise<void> {
      await db.query(`INSERT INTO schedules (id, user_id, agent, message, thread_id) VALUES ($1, $2, $3, $4, $5)`, [
        s.id,
        s.userId,
        s.agent,
        s.message,
        s.threadId,
      ]);
    },

    async getForUser(id: string, userId: string): Promise<ScheduleRow | undefined> {
      const { rows } = await db.query<ScheduleRow>(
        `SELECT ${COLUMNS} FROM ${FROM} WHERE s.id = $1 AND s.user_id = $2`,
        [id, userId],
      );
      return rows[0];
    },

    async getById(id: string): Promise<ScheduleRow | undefined> {
      const { rows } = await db.query<ScheduleRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE s.id = $1`, [id]);
      return rows[0];
    },

    async listByUser(userId: string): Promise<ScheduleRow[]> {
      const { rows } = await db.query<ScheduleRow>(
        `SELECT ${COLUMNS} FROM ${FROM} WHERE s.user_id = $1 ORDER BY s.created_at, s.id`,
        [userId],
      );
      return rows;
    },

    async listByThread(threadId: string, userId: string): Promise<ScheduleRow[]> {
      const { rows } = await db.query<ScheduleRow>(
        `SELECT ${COLUMNS} FROM ${FROM} WHERE s.thread_id = $1 AND s.user_id = $2`,
        [threadId, userId],
      );
      return rows;
    },

    async delete(id: string): Promise<void> {
      await db.query(`DELETE FROM schedules WHERE id = $1`, [id]);
    },
  };
}
