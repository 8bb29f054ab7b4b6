import type { Queryable } from './pool.js';
import { STATUS_FOR_RESULT, toToolPartPatch, type ToolResult } from '../tools/tool-result.js';
import type { ToolMode } from '../tools/tool-definition.js';

export interface NewToolExecution {
  id: string;
  completionId: string;
  threadId: string;
  userId: string;
  messageId: string;
  step: number;
  toolName: string;
  mode: ToolMode | null;
  args: unknown;
  argsText: string;
  argsDigest: string;
  status: 'pending' | 'invalid' | 'not_found' | 'denied';
  requiresApproval: boolean;
  result: ToolResult | null;
}

export interface ToolExecutionRow {
  id: string;
  completionId: string;
  threadId: string;
  userId: string;
  messageId: string;
  toolName: string;
  mode: ToolMode | null;
  args: unknown;
  argsDigest: string;
  status: string;
  requiresApproval: boolean;
  decision: 'approved' | 'denied' | 'expired' | null;
  approver: string | null;
  decisionReason: string | null;
  decidedAt: Date | null;
  requestedAt: Date | null;
  expiresAt: Date | null;
  result: ToolResult | null;
  createdAt: Date;
}

const COLUMNS = `id, completion_id AS "completionId", thread_id AS "threadId", user_id AS "userId",
  message_id AS "messageId", tool_name AS "toolName", mode, args, args_digest AS "argsDigest", status,
  requires_approval AS "requiresApproval", decision, approver, decision_reason AS "decisionReason",
  decided_at AS "decidedAt", requested_at AS "requestedAt", expires_at AS "expiresAt", result,
  created_at AS "createdAt"`;

/** Tool calls and their outcomes. Writes are idempotent: activities that make them are retried. */
export function createToolExecutionsRepo(db: Queryable) {
  return {
    /** Records a call; a re-run of the same step replaces a call nobody has acted on yet. */
    async record(call: NewToolExecution): Promise<void> {
      await db.query(
        `INSERT INTO tool_executions (id, completion_id, thread_id, user_id, message_id, step, tool_name, mode, args,
           args_text, args_digest, status, requires_approval, result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (id) DO UPDATE SET tool_name = EXCLUDED.tool_name, mode = EXCLUDED.mode, args = EXCLUDED.args,
           args_text = EXCLUDED.args_text, args_digest = EXCLUDED.args_digest, status = EXCLUDED.status,
           requires_approval = EXCLUDED.requires_approval, result = EXCLUDED.result
         WHERE tool_executions.status IN ('pending', 'invalid', 'not_found')
           OR (tool_executions.status = 'denied' AND tool_executions.decision IS NULL)`,
        [
          call.id,
          call.completionId,
          call.threadId,
          call.userId,
          call.messageId,
          call.step,
          call.toolName,
          call.mode,
          JSON.stringify(call.args ?? null),
          call.argsText,
          call.argsDigest,
          call.status,
          call.requiresApproval,
          call.result ? JSON.stringify(call.result) : null,
        ],
      );
    },

    async get(id: string): Promise<ToolExecutionRow | undefined> {
      const { rows } = await db.query<ToolExecutionRow>(`SELECT ${COLUMNS} FROM tool_executions WHERE id = $1`, [id]);
      return rows[0];
    },

    async getForUser(id: string, userId: string): Promise<ToolExecutionRow | undefined> {
      const { rows } = await db.query<ToolExecutionRow>(
        `SELECT ${COLUMNS} FROM tool_executions WHERE id = $1 AND user_id = $2`,
        [id, userId],
      );
      return rows[0];
    },

    async listByIds(ids: string[]): Promise<ToolExecutionRow[]> {
      const { rows } = await db.query<ToolExecutionRow>(
        `SELECT ${COLUMNS} FROM tool_executions WHERE id = ANY($1) ORDER BY id`,
        [ids],
      );
      return rows;
    },

    /** The completion's calls its end interrupted (`interruptOpen`), in call order. */
    async listInterrupted(completionId: string): Promise<ToolExecutionRow[]> {
      const { rows } = await db.query<ToolExecutionRow>(
        `SELECT ${COLUMNS} FROM tool_executions WHERE completion_id = $1 AND status = 'interrupted' ORDER BY id`,
        [completionId],
      );
      return rows;
    },

    /** The user's approval inbox, each call with the id its thread's client names it by. */
    async listPendingApprovals(userId: string): Promise<(ToolExecutionRow & { clientThreadId: string })[]> {
      const { rows } = await db.query<ToolExecutionRow & { clientThreadId: string }>(
        `SELECT ${COLUMNS}, (SELECT client_id FROM threads WHERE threads.id = tool_executions.thread_id) AS "clientThreadId"
         FROM tool_executions
         WHERE user_id = $1 AND status = 'awaiting_approval' AND expires_at > now()
         ORDER BY requested_at`,
        [userId],
      );
      return rows;
    },

    /** Calls decided already (an approved call is `pending` again until it runs) keep their status. */
    async markAwaitingApproval(ids: string[], expiresInMs: number[]): Promise<void> {
      await db.query(
        `UPDATE tool_executions t SET status = 'awaiting_approval', requested_at = coalesce(requested_at, now()),
           expires_at = coalesce(expires_at, now() + make_interval(secs => e.ms / 1000.0))
         FROM unnest($1::text[], $2::bigint[]) AS e(id, ms)
         WHERE t.id = e.id AND t.status = 'pending' AND t.decision IS NULL`,
        [ids, expiresInMs],
      );
    },

    /**
     * Keeps a person's reason for the decision they are about to send (to an open call only): the decision itself
     * carries no text through Temporal, and recordDecision takes the reason from here when that person decided.
     */
    async storePendingReason(id: string, approver: string, reason: string | null): Promise<void> {
      await db.query(
        `UPDATE tool_executions SET pending_reasons = pending_reasons || jsonb_build_object($2::text, $3::text)
         WHERE id = $1 AND decision IS NULL`,
        [id, approver, reason],
      );
    },

    /** Stores the first decision; returns whether this call stored it (false: one was already there). */
    async recordDecision(
      id: string,
      decision: { outcome: 'approved' | 'denied' | 'expired'; approver: string | null; reason: string | null },
    ): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE tool_executions SET decision = $2, approver = $3, decided_at = now(),
           decision_reason = coalesce($4, CASE WHEN $2 <> 'expired' THEN pending_reasons ->> $3 END),
           status = CASE WHEN $2 = 'approved' THEN 'pending' ELSE $2 END
         WHERE id = $1 AND decision IS NULL`,
        [id, decision.outcome, decision.approver, decision.reason],
      );
      return rowCount === 1;
    },

    /** Marks an attempt as started; returns the number of attempts so far. */
    async markRunning(id: string): Promise<void> {
      await db.query(
        `UPDATE tool_executions SET status = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1
         WHERE id = $1 AND result IS NULL`,
        [id],
      );
    },

    /**
     * Stores the result once and moves the tool part of the step message to the matching state, in one
     * statement so the transcript and the execution record cannot disagree. Returns false if a final result was
     * already stored (a retry): the first one stands. A `pending` result may be followed by the final one;
     * `updatePart: false` keeps the part as the model saw it (background results are added as their own message).
     */
    async storeResult(
      id: string,
      result: ToolResult,
      options: { approvalId?: string; updatePart?: boolean } = {},
    ): Promise<boolean> {
      const status = result.kind === 'denied' && result.expired ? 'expired' : STATUS_FOR_RESULT[result.kind];
      const patch = options.updatePart === false ? null : JSON.stringify(toToolPartPatch(result, options.approvalId));
      // The result's UI parts (sources) follow the tool part in the message, as they do in the stream.
      const extraParts = JSON.stringify(result.kind === 'completed' ? (result.uiParts ?? []) : []);
      const { rows } = await db.query<{ stored: boolean }>(
        `WITH stored AS (
           UPDATE tool_executions SET result = $2, status = $3, finished_at = now()
           WHERE id = $1 AND (result IS NULL OR result->>'kind' = 'pending')
           RETURNING message_id
         ), patched AS (
           UPDATE messages m SET parts = (
             SELECT jsonb_agg(CASE WHEN p->>'toolCallId' = $1 THEN p || $4::jsonb ELSE p END ORDER BY ord)
             FROM jsonb_array_elements(m.parts) WITH ORDINALITY AS e(p, ord)
           ) || $5::jsonb
           FROM stored WHERE $4::jsonb IS NOT NULL AND m.id = stored.message_id
         )
         SELECT EXISTS (SELECT 1 FROM stored) AS stored`,
        [id, JSON.stringify(result), status, patch, extraParts],
      );
      return rows[0]?.stored ?? false;
    },

    /** Ends every call of the completion that has no final result yet; the model will read them as failed. */
    async interruptOpen(completionId: string): Promise<string[]> {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM tool_executions
         WHERE completion_id = $1 AND (result IS NULL) AND status IN ('pending', 'awaiting_approval', 'running')`,
        [completionId],
      );
      for (const { id } of rows) {
        await this.storeResult(id, {
          kind: 'failed',
          message: 'interrupted: the turn was stopped before this call finished',
        });
        await db.query(`UPDATE tool_executions SET status = 'interrupted' WHERE id = $1`, [id]);
      }
      return rows.map((row) => row.id);
    },

    /** Moves the tool part to a non-final state (approval requested), without storing a result. */
    async patchPart(id: string, patch: Record<string, unknown>): Promise<void> {
      await db.query(
        `UPDATE messages m SET parts = (
           SELECT jsonb_agg(CASE WHEN p->>'toolCallId' = $1 THEN p || $2::jsonb ELSE p END ORDER BY ord)
           FROM jsonb_array_elements(m.parts) WITH ORDINALITY AS e(p, ord)
         )
         FROM tool_executions t WHERE t.id = $1 AND m.id = t.message_id`,
        [id, JSON.stringify(patch)],
      );
    },
  };
}

export type ToolExecutionsRepo = ReturnType<typeof createToolExecutionsRepo>;
