/**
 * Delivers a person's decision on a tool call to its child workflow through the `decide` update, whose validator
 * has the final word. Postgres is read first only to answer clearly (404 not yours, 409 decided, 410 expired)
 * without a round trip to Temporal for requests that cannot succeed.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { createToolExecutionsRepo, type ToolExecutionRow } from '../db/tool-executions-repo.js';
import { DECISION_REJECTIONS, decideUpdate, toolCallWorkflowId } from '../workflows/definitions.js';
import { AppError, conflict, notFound } from './app-error.js';

export interface DecisionRequest {
  toolCallId: string;
  userId: string;
  approved: boolean;
  reason?: string;
  argsDigest: string;
}

export interface DecisionOutcome {
  toolCallId: string;
  decision: 'approved' | 'denied';
  approver: string;
  decidedAt: string;
}

const gone = () => new AppError(410, 'approval_expired', 'the approval request has expired');

export function createApprovalService(deps: { pool: pg.Pool; temporal: Client }) {
  const executions = createToolExecutionsRepo(deps.pool);

  function explainClosed(row: ToolExecutionRow): AppError {
    if (row.decision === 'expired' || (row.expiresAt && row.expiresAt <= new Date() && !row.decision)) return gone();
    if (row.decision) return conflict(`this tool call was already ${row.decision}`, 'already_decided');
    return conflict('this tool call is not awaiting approval', 'not_awaiting_approval');
  }

  return {
    async decide(request: DecisionRequest): Promise<DecisionOutcome> {
      const row = await executions.getForUser(request.toolCallId, request.userId);
      if (!row || !row.requiresApproval) throw notFound('approval');
      if (row.status !== 'awaiting_approval') throw explainClosed(row);
      if (row.expiresAt && row.expiresAt <= new Date()) throw gone();
      if (request.argsDigest !== row.argsDigest) {
        throw conflict('argsDigest does not match the arguments of this call; reload and decide again', 'args_mismatch');
      }
      try {
        const result = await deps.temporal.workflow
          .getHandle(toolCallWorkflowId(request.toolCallId))
          .executeUpdate(decideUpdate, {
            args: [
              {
                approved: request.approved,
                approver: request.userId,
                argsDigest: request.argsDigest,
                ...(request.reason ? { reason: request.reason } : {}),
              },
            ],
          });
        return {
          toolCallId: request.toolCallId,
          decision: result.outcome,
          approver: request.userId,
          decidedAt: result.decidedAt,
        };
      } catch (error) {
        throw toDecisionError(error) ?? explainClosed((await executions.get(request.toolCallId)) ?? row);
      }
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;

function toDecisionError(error: unknown): AppError | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause as { type?: string; message?: string } | undefined;
  const message = cause?.message ?? 'the decision was rejected';
  switch (cause?.type) {
    case DECISION_REJECTIONS.alreadyDecided:
      return conflict(message, 'already_decided');
    case DECISION_REJECTIONS.expired:
      return new AppError(410, 'approval_expired', message);
    case DECISION_REJECTIONS.argsMismatch:
      return conflict(message, 'args_mismatch');
    case DECISION_REJECTIONS.notAllowed:
      return notFound('approval');
    default:
      return conflict(message, 'decision_rejected');
  }
}
