import type { Queryable } from './pool.js';

export const AUDIT_EVENT_TYPES = [
  'message_received',
  'model_call',
  'tool_call_requested',
  'approval_requested',
  'approval_decided',
  'tool_executed',
  'cancel_requested',
  'completion_finished',
  'failure',
  'budget_exceeded',
  'answer_regenerated',
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

/** The append-only ledger. Deletion happens only with the thread (GDPR erasure), never row by row. */
export function createAuditRepo(db: Queryable) {
  return {
    async append(event: AuditEvent): Promise<void> {
      await db.query(
        `INSERT INTO audit_events (event_key, thread_id, completion_id, user_id, type, actor, data, workflow_id, run_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_key) DO NOTHING`,
        [
          event.key,
          event.threadId,
          event.completionId,
          event.userId,
          event.type,
          event.actor,
          JSON.stringify(event.data),
          event.workflowId ?? null,
          event.runId ?? null,
        ],
      );
    },

    async listByThread(threadId: string): Promise<AuditRow[]> {
      const { rows } = await db.query<AuditRow & { id: string }>(
        `SELECT id, type, actor, thread_id AS "threadId", completion_id AS "completionId", data,
           workflow_id AS "workflowId", run_id AS "runId", created_at AS "createdAt"
         FROM audit_events WHERE thread_id = $1 ORDER BY id`,
        [threadId],
      );
      return rows.map((row) => ({ ...row, id: Number(row.id) }));
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
