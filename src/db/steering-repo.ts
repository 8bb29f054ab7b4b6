import { z } from 'zod';
import type { SteeringMode } from '../workflows/definitions.js';
import type { Queryable } from './pool.js';

// The modes are a workflow contract (the `steer` update); re-exported for the repository's readers.
export { STEERING_MODES, type SteeringMode } from '../workflows/definitions.js';
export type SteeringStatus = 'pending' | 'delivered' | 'not_delivered' | 'enqueued';

/** The content of a steering message: text parts, as the user sent them. */
export const steeringPartsSchema = z.array(z.object({ type: z.literal('text'), text: z.string() }));
export type SteeringParts = z.infer<typeof steeringPartsSchema>;

export interface SteeringRow {
  /** Longhaul's id (what enters workflow history). */
  id: string;
  /** The id the client gave the message, unique per thread. */
  clientMessageId: string;
  threadId: string;
  completionId: string;
  userId: string;
  sender: string;
  parts: SteeringParts;
  mode: SteeringMode;
  status: SteeringStatus;
  deliveredStep: number | null;
  reason: string | null;
  createdAt: Date;
  settledAt: Date | null;
}

export type NewSteeringRow = Pick<
  SteeringRow,
  'id' | 'clientMessageId' | 'threadId' | 'completionId' | 'userId' | 'sender' | 'parts' | 'mode'
> & { status: 'pending' | 'enqueued'; reason?: string };

const COLUMNS = `id, client_message_id AS "clientMessageId", thread_id AS "threadId", completion_id AS "completionId",
  user_id AS "userId", sender, parts, mode, status, delivered_step AS "deliveredStep", reason,
  created_at AS "createdAt", settled_at AS "settledAt"`;

function toRow(row: Omit<SteeringRow, 'parts'> & { parts: unknown }): SteeringRow {
  return { ...row, parts: steeringPartsSchema.parse(row.parts) };
}

/** Steering messages; every write is conditional on the status it moves from, so retried writers change nothing. */
export function createSteeringRepo(db: Queryable) {
  return {
    /** Stores the message unless the thread already has one of this client id; returns the row that is there. */
    async insert(row: NewSteeringRow): Promise<{ row: SteeringRow; inserted: boolean }> {
      const { rows } = await db.query<Omit<SteeringRow, 'parts'> & { parts: unknown }>(
        `INSERT INTO steering_messages (id, client_message_id, thread_id, completion_id, user_id, sender, parts, mode,
           status, reason, settled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9 = 'enqueued' THEN now() END)
         ON CONFLICT (thread_id, client_message_id) DO NOTHING RETURNING ${COLUMNS}`,
        [
          row.id,
          row.clientMessageId,
          row.threadId,
          row.completionId,
          row.userId,
          row.sender,
          JSON.stringify(row.parts),
          row.mode,
          row.status,
          row.reason ?? null,
        ],
      );
      if (rows[0]) return { row: toRow(rows[0]), inserted: true };
      return { row: (await this.getByClientId(row.threadId, row.clientMessageId))!, inserted: false };
    },

    async getByClientId(threadId: string, clientMessageId: string): Promise<SteeringRow | undefined> {
      const { rows } = await db.query<Omit<SteeringRow, 'parts'> & { parts: unknown }>(
        `SELECT ${COLUMNS} FROM steering_messages WHERE thread_id = $1 AND client_message_id = $2`,
        [threadId, clientMessageId],
      );
      return rows[0] && toRow(rows[0]);
    },

    /** Takes back a message its answer refused (never accepted by the workflow): it was never sent. */
    async deletePending(id: string): Promise<void> {
      await db.query(`DELETE FROM steering_messages WHERE id = $1 AND status = 'pending'`, [id]);
    },

    /** Marks the message delivered at `step`, once; returns it only to the call that did. */
    async markDelivered(id: string, completionId: string, step: number): Promise<SteeringRow | undefined> {
      const { rows } = await db.query<Omit<SteeringRow, 'parts'> & { parts: unknown }>(
        `UPDATE steering_messages SET status = 'delivered', delivered_step = $3, settled_at = now()
         WHERE id = $1 AND completion_id = $2 AND status = 'pending' RETURNING ${COLUMNS}`,
        [id, completionId, step],
      );
      return rows[0] && toRow(rows[0]);
    },

    /** The completion's messages still pending, now not delivered for `reason`; returns those this call settled. */
    async settleUndelivered(completionId: string, reason: string): Promise<SteeringRow[]> {
      const { rows } = await db.query<Omit<SteeringRow, 'parts'> & { parts: unknown }>(
        `UPDATE steering_messages SET status = 'not_delivered', reason = $2, settled_at = now()
         WHERE completion_id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
        [completionId, reason],
      );
      return rows.map(toRow);
    },
  };
}

export type SteeringRepo = ReturnType<typeof createSteeringRepo>;
