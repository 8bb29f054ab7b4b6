/** The approval inbox: tool calls waiting for the caller's decision, and how many wait across all users. */
import type pg from 'pg';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';

export function createApprovalInboxService(deps: { pool: pg.Pool }) {
  const executions = createToolExecutionsRepo(deps.pool);

  return {
    /** The caller's unexpired requests, oldest first, in the shape GET /v1/approvals returns. */
    async pending(userId: string) {
      const rows = await executions.listPendingApprovals(userId);
      return rows.map((row) => ({
        toolCallId: row.id,
        toolName: row.toolName,
        args: row.args,
        argsDigest: row.argsDigest,
        threadId: row.clientThreadId,
        completionId: row.completionId,
        requestedAt: row.requestedAt,
        expiresAt: row.expiresAt,
      }));
    },

    /** Across all users, for the `longhaul_pending_approvals` gauge. */
    async countPending(): Promise<number> {
      const { rows } = await deps.pool.query<{ count: string }>(
        `SELECT count(*) AS count FROM tool_executions WHERE status = 'awaiting_approval'`,
      );
      return Number(rows[0]?.count ?? 0);
    },
  };
}

export type ApprovalInboxService = ReturnType<typeof createApprovalInboxService>;
