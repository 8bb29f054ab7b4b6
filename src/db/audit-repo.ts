import type { Queryable } from './pool.js';

export const AUDIT_EVENT_TYPES = [
  'message_received',
  'model_call',
  'tool_call_requested',
  'approval_requested',
  'approval_decided',
  'tool_executed',
  'tool_attempt_failed',
  'cancel_requested',
  'completion_finished',
  'completion_continued',
  'failure',
  'budget_exceeded',
  'answer_regenerated',
  'thread_deleted',
  'steering_received',
  'steering_delivered',
  'steering_not_delivered',
  'steering_enqueued',
  'schedule_fired',
  'context_compacted',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditEvent {
  /** Idempotency key: the same fact written twice (a retried activity) is stored once. */
  key: string;
  threadId: string;
  completionId: string | null;
  userId: string;
  type: AuditEventType;
  actor: string;
  data: Record<string, unknown>;
  workflowId?: string | null;
  runId?: string | null;
}

export interface AuditRow {
  id: number;
  type: AuditEventType;
  actor: string;
  threadId: string;
  completionId: string | null;
  data: Record<string, unknown>;
  workflowId: string | null;
  runId: string | null;
  createdAt: Date;
}

const COLUMNS = 'event_key, thread_id, completion_id, user_id, type, actor, data, workflow_id, run_id';
const DATA = COLUMNS.split(', ').indexOf('data');

/**
 * The ledger's insert with its parameters numbered from `$first`, so a write that must record a fact with it puts
 * both in one statement: atomic without a transaction, and one round trip. With `from`, the fact is inserted once
 * per row of another part of that statement (`source`), its data merged with `data`, a jsonb expression over that
 * row: what the write computed is recorded without being read back first.
 */
export function auditInsert(
  event: AuditEvent,
  first = 1,
  from?: { source: string; data: string },
): { sql: string; params: unknown[] } {
  const params = [
    event.key,
    event.threadId,
    event.completionId,
    event.userId,
    event.type,
    event.actor,
    JSON.stringify(event.data),
    event.workflowId ?? null,
    event.runId ?? null,
  ];
  const values = params.map((_, i) => (from && i === DATA ? `$${first + i}::jsonb || ${from.data}` : `$${first + i}`));
  const rows = from ? `SELECT ${values.join(', ')} FROM ${from.source}` : `VALUES (${values.join(', ')})`;
  return { sql: `INSERT INTO audit_events (${COLUMNS}) ${rows} ON CONFLICT (event_key) DO NOTHING`, params };
}

/**
 * The append-only ledger. It outlives the thread it is about (a deleted thread is tombstoned in it, not erased);
 * rows go only with their user (GDPR erasure) or with a turn that never started.
 */
export function createAuditRepo(db: Queryable) {
  return {
    async append(event: AuditEvent): Promise<void> {
      const { sql, params } = auditInsert(event);
      await db.query(sql, params);
    },

    /** The thread's rows, read through their owner: they outlive the thread row that proved ownership. */
    async listByThread(threadId: string, userId: string): Promise<AuditRow[]> {
      const { rows } = await db.query<AuditRow & { id: string }>(
        `SELECT id, type, actor, thread_id AS "threadId", completion_id AS "completionId", data,
           workflow_id AS "workflowId", run_id AS "runId", created_at AS "createdAt"
         FROM audit_events WHERE thread_id = $1 AND user_id = $2 ORDER BY id`,
        [threadId, userId],
      );
      return rows.map((row) => ({ ...row, id: Number(row.id) }));
    },

    /**
     * The latest deleted thread the user knew by this client id: its tombstone names it, since the thread row,
     * which mapped the client's id to Longhaul's, is gone.
     */
    async deletedThreadId(clientThreadId: string, userId: string): Promise<string | undefined> {
      const { rows } = await db.query<{ threadId: string }>(
        `SELECT thread_id AS "threadId" FROM audit_events
         WHERE user_id = $1 AND type = 'thread_deleted' AND data->>'clientThreadId' = $2
         ORDER BY id DESC LIMIT 1`,
        [userId, clientThreadId],
      );
      return rows[0]?.threadId;
    },

    /** Takes back what the opening of a turn Temporal refused to start wrote: that turn never happened. */
    async withdrawTurn(completionId: string): Promise<void> {
      await db.query(`DELETE FROM audit_events WHERE completion_id = $1`, [completionId]);
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
