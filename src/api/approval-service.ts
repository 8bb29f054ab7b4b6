/**
 * Delivers a person's decision on a tool call to its child workflow through the `decide` update, whose validator
 * has the final word. Postgres is read first only to answer clearly (404 not yours, 409 decided, 410 expired)
 * without a round trip to Temporal for requests that cannot succeed.
 */
import {
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type pg from 'pg';
import {
  approvalForDecision,
  explainClosedApproval,
  storePendingReason,
  type ClosedApproval,
} from '../completions/approvals.js';
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
  return {
    async decide(request: DecisionRequest): Promise<DecisionOutcome> {
      const verdict = await approvalForDecision(deps.pool, request);
      if (verdict.kind === 'not_found') throw notFound('approval');
      if (verdict.kind === 'args_mismatch') {
        throw conflict(
          'argsDigest does not match the arguments of this call; reload and decide again',
          'args_mismatch',
        );
      }
      if (verdict.kind !== 'open') throw toClosedError(verdict);
      // The reason is the approver's own text: it stays in Postgres, and the update carries none (workflow
      // history keeps no user text). Stored (or cleared) for this approver, whose decision picks it up.
      await storePendingReason(deps.pool, request.toolCallId, request.userId, request.reason ?? null);
      try {
        const result = await deps.temporal.workflow
          .getHandle(toolCallWorkflowId(request.toolCallId))
          .executeUpdate(decideUpdate, {
            args: [
              {
                approved: request.approved,
                approver: request.userId,
                argsDigest: request.argsDigest,
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
        if (isTemporalUnreachable(error)) {
          // The call's row still says open: the client should try again, not be told the call is settled.
          const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
          throw new AppError(
            503,
            'temporal_unavailable',
            `the decision did not reach Temporal: ${error.message}${cause}`,
          );
        }
        throw (
          toDecisionError(error) ?? toClosedError(await explainClosedApproval(deps.pool, request.toolCallId, verdict))
        );
      }
    },
  };
}

/**
 * Temporal did not answer: unreachable, or the update timed out before a worker took it. A retry either decides
 * or, if the first attempt landed after all, is answered 409 `already_decided`.
 */
function isTemporalUnreachable(error: unknown): error is Error {
  return error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError;
}

function toClosedError(closed: ClosedApproval): AppError {
  switch (closed.kind) {
    case 'expired':
      return gone();
    case 'decided':
      return conflict(`this tool call was already ${closed.decision}`, 'already_decided');
    case 'not_awaiting':
      return conflict('this tool call is not awaiting approval', 'not_awaiting_approval');
  }
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
