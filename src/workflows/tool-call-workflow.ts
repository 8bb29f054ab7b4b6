/**
 * toolCallWorkflow — one durable tool call, optionally gated by a person.
 *
 * Relies on: deterministic code; the arguments staying in Postgres (only their digest is here); idempotent
 * activities keyed by the tool call id, so a retried execution never asks again and never repeats a side effect
 * the tool has keyed by that id. The first decision wins; later ones change nothing. A signalled decision is the
 * operator's (Temporal does not say who sent it): it must carry the call's argsDigest, and the approver it names
 * is kept as a claim (patch `signal-needs-digest`; runs without the marker replay the old signal handling).
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { completionWorkflow } from './completion-workflow.js';
import type { Activities } from '../activities/index.js';
import {
  completionSearchAttributes,
  completionWorkflowId,
  DECISION_REJECTIONS,
  approvalDecisionSignal,
  decideUpdate,
  toolFailureMessage,
  type ApprovalDecision,
  type ToolCallInput,
  type ToolCallOutcome,
} from './definitions.js';

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

interface Decided {
  outcome: 'approved' | 'denied';
  approver: string;
  reason: string | null;
  decidedAt: string;
  /** A signalled decision's named approver, never trusted as the approver. */
  claimedApprover?: string | null;
}

/** The approver a signalled decision is recorded with: whoever can signal through Temporal. */
const OPERATOR = 'operator';

export async function toolCallWorkflow(input: ToolCallInput): Promise<ToolCallOutcome> {
  let decided: Decided | undefined;
  let expired = false;

  /** Why a decision cannot be taken, or undefined when it can. */
  const rejection = (decision: ApprovalDecision): ApplicationFailure | undefined => {
    if (!input.requiresApproval)
      return failure(DECISION_REJECTIONS.notRequired, 'this tool call does not need approval');
    if (decided)
      return failure(DECISION_REJECTIONS.alreadyDecided, `already ${decided.outcome} by ${decided.approver}`);
    if (expired) return failure(DECISION_REJECTIONS.expired, 'the approval request has expired');
    const approver = decision.approver;
    if (approver !== undefined && approver !== input.userId && !(input.allowedApprovers ?? []).includes(approver)) {
      return failure(DECISION_REJECTIONS.notAllowed, `${approver} may not decide this call`);
    }
    if (decision.argsDigest !== undefined && decision.argsDigest !== input.argsDigest) {
      return failure(DECISION_REJECTIONS.argsMismatch, 'the decision was made for different arguments');
    }
    return undefined;
  };
  const take = (decision: ApprovalDecision, approver: string, claim?: { claimedApprover: string | null }): Decided => {
    decided = {
      outcome: decision.approved ? 'approved' : 'denied',
      approver,
      reason: decision.reason ?? null,
      decidedAt: new Date().toISOString(),
      ...claim,
    };
    return decided;
  };
  /** Why a signalled decision is ignored: its approver is only a claim, so it is not checked, but the digest is. */
  const signalRejection = (decision: ApprovalDecision): string | undefined => {
    if (decision.argsDigest === undefined) return `it carries no argsDigest (this call's is ${input.argsDigest})`;
    return rejection({ approved: decision.approved, argsDigest: decision.argsDigest })?.message;
  };

  setHandler(
    decideUpdate,
    (decision) => {
      const taken = take(decision, decision.approver ?? input.userId);
      return { outcome: taken.outcome, decidedAt: taken.decidedAt };
    },
    {
      validator: (decision) => {
        // The API always names the approver; an update without one would bypass the ownership check.
        if (decision.approver === undefined)
          throw failure(DECISION_REJECTIONS.notAllowed, 'a decision must name its approver');
        const problem = rejection(decision);
        if (problem) throw problem;
      },
    },
  );
  // Signals cannot be refused: an invalid one is ignored, the call keeps waiting for a valid decision. The patch is
  // asked here rather than at the start, so a run already waiting when this deploys applies the rule to its next
  // signal; a replayed signal without the marker takes the old path.
  setHandler(approvalDecisionSignal, (decision) => {
    if (!patched('signal-needs-digest')) {
      if (!rejection(decision)) take(decision, decision.approver ?? OPERATOR);
      return;
    }
    const ignored = signalRejection(decision);
    if (ignored) {
      log.warn(`approvalDecision signal ignored: ${ignored}`, {
        toolCallId: input.toolCallId,
        toolName: input.toolName,
      });
      return;
    }
    take(decision, OPERATOR, { claimedApprover: decision.approver ?? null });
  });

  if (input.requiresApproval) {
    const inTime = await condition(() => decided !== undefined, input.approvalExpiryMs);
    if (!inTime) expired = true;
    const outcome = decided?.outcome ?? 'expired';
    await bookkeeping.recordApprovalDecision({
      ...input,
      outcome,
      approver: decided?.approver ?? null,
      reason: decided?.reason ?? null,
      ...(decided?.claimedApprover !== undefined ? { claimedApprover: decided.claimedApprover } : {}),
    });
    if (outcome !== 'approved') return { toolCallId: input.toolCallId, kind: 'denied' };
  }

  if (input.subagent) return runSubagent(input);

  const execution = proxyActivities<Activities>({
    summary: `run ${input.toolName}`,
    startToCloseTimeout: input.timeoutMs,
    heartbeatTimeout: Math.min(input.timeoutMs, 60_000),
    retry: {
      maximumAttempts: input.retry.maximumAttempts,
      initialInterval: input.retry.initialIntervalMs,
      maximumInterval: input.retry.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  });
  const background = input.mode === 'background';
  let kind: string;
  try {
    ({ kind } = await execution.runTool({
      toolCallId: input.toolCallId,
      completionId: input.completionId,
      maxAttempts: input.retry.maximumAttempts,
      publishOutput: false,
      background,
    }));
  } catch (error) {
    await bookkeeping.recordToolFailure({
      toolCallId: input.toolCallId,
      completionId: input.completionId,
      message: toolFailureMessage(input.toolName, error),
      publish: false,
      background,
    });
    kind = 'failed';
  }
  if (background) await bookkeeping.deliverBackgroundResult(input);
  return { toolCallId: input.toolCallId, kind: kind === 'completed' ? 'completed' : 'failed' };
}

/** The call is answered by a child completion running as the sub-agent; cancelling this call cancels it. */
async function runSubagent(input: ToolCallInput): Promise<ToolCallOutcome> {
  const prepared = await bookkeeping.prepareSubagent(input);
  if (!prepared.ok) return { toolCallId: input.toolCallId, kind: 'failed' };
  const { child } = prepared;
  try {
    const handle = await startChild<typeof completionWorkflow>('completionWorkflow', {
      workflowId: completionWorkflowId(child.completionId),
      args: [child],
      staticSummary: `${input.toolName} sub-agent (${child.agent?.name})`,
      typedSearchAttributes: completionSearchAttributes(child, 'running'),
    });
    CancellationScope.current().cancelRequested.catch(() => cancelCurrentRun(handle.workflowId));
    await handle.result();
  } catch (error) {
    // A failed sub-agent is a failed tool call the caller can read; a cancelled one ends this call too.
    if (isCancellation(error)) throw error;
  }
  const { kind } = await bookkeeping.collectSubagentResult({ toolCallId: input.toolCallId, child });
  return { toolCallId: input.toolCallId, kind: kind === 'completed' ? 'completed' : 'failed' };
}

/**
 * Temporal cancels a child by the run it started, and a long sub-agent hands over to later runs (continue-as-new),
 * which that request would miss: the cancel also goes to the workflow id, which reaches whichever run is current.
 * The child's result still waits for the whole chain's end.
 */
function cancelCurrentRun(workflowId: string): void {
  if (!patched('subagent-cancel-follows-runs')) return;
  void CancellationScope.nonCancellable(() => getExternalWorkflowHandle(workflowId).cancel()).catch((error) =>
    log.warn('cancelling a sub-agent failed', { workflowId, error: String(error) }),
  );
}

function failure(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}
