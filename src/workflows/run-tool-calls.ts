/**
 * Runs one step's tool calls from inside completionWorkflow: inline calls as activities, durable ones as child
 * workflows (which may wait days for a person), background ones as abandoned children that answer `pending`.
 * When any call needs approval, the stream segment ends so the browser can ask, and a new segment of the same
 * assistant message opens once every decision is in.
 */
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  STATUS_ATTRIBUTE,
  toolCallWorkflowId,
  toolFailureMessage,
  type CompletionInput,
  type RunnableToolCall,
  type ToolCallInput,
} from './definitions.js';
import { toolCallWorkflow } from './tool-call-workflow.js';

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/** Told when the step starts and stops waiting for people, when nothing may steer the turn. */
export interface ApprovalWaitListener {
  awaitingApproval(waiting: boolean): void;
}

export async function runToolCalls(
  input: CompletionInput,
  calls: RunnableToolCall[],
  listener?: ApprovalWaitListener,
): Promise<void> {
  const byMode = (mode: RunnableToolCall['mode']) => calls.filter((call) => call.mode === mode);
  const childInput = (call: RunnableToolCall, mode: 'durable' | 'background'): ToolCallInput => ({
    toolCallId: call.id,
    toolName: call.name,
    completionId: input.completionId,
    threadId: input.threadId,
    userId: input.userId,
    argsDigest: call.argsDigest,
    mode,
    requiresApproval: call.requiresApproval,
    approvalExpiryMs: call.approvalExpiryMs,
    timeoutMs: call.timeoutMs,
    retry: call.retry,
    ...(call.subagent ? { subagent: call.subagent } : {}),
    rootCompletionId: input.parent?.rootCompletionId ?? input.completionId,
    depth: input.parent?.depth ?? 0,
    tokenBudget: input.limits.tokenBudget ?? 0,
  });

  await Promise.all(byMode('inline').map((call) => runInline(input, call)));

  for (const call of byMode('background')) {
    // Outside the completion's cancellation scope: stopping the turn does not stop work it handed off.
    await CancellationScope.nonCancellable(() =>
      startChild(toolCallWorkflow, {
        workflowId: toolCallWorkflowId(call.id),
        args: [childInput(call, 'background')],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `${call.name} (background tool)`,
        ...approvalDetails(call),
      }),
    );
    await bookkeeping.recordPendingResult({ toolCallId: call.id, completionId: input.completionId });
  }

  const durable = byMode('durable');
  const children = await Promise.all(
    durable.map((call) =>
      startChild(toolCallWorkflow, {
        workflowId: toolCallWorkflowId(call.id),
        args: [childInput(call, 'durable')],
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        staticSummary: call.requiresApproval ? `${call.name} awaiting approval` : `${call.name} (durable tool)`,
        ...approvalDetails(call),
      }),
    ),
  );
  const approvals = durable.filter((call) => call.requiresApproval);
  if (approvals.length > 0) {
    // Before the request goes out: from here the user is asked to decide, not to add to the answer.
    listener?.awaitingApproval(true);
    await bookkeeping.requestApprovals({
      ...input,
      calls: approvals.map((call) => ({ id: call.id, expiresInMs: call.approvalExpiryMs })),
    });
    upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'awaiting_approval' }]);
  }
  await Promise.all(children.map((child) => child.result()));

  const durableIds = durable.map((call) => call.id);
  if (approvals.length > 0) {
    listener?.awaitingApproval(false);
    upsertSearchAttributes([{ key: STATUS_ATTRIBUTE, value: 'running' }]);
    await bookkeeping.resumeAfterApprovals({ ...input, toolCallIds: durableIds });
  } else {
    await bookkeeping.endToolStep({ completionId: input.completionId, toolCallIds: durableIds });
  }
}

/**
 * What an operator needs in the Temporal UI to decide a call awaiting approval: its argsDigest (a hash, not the
 * arguments) and the signal command carrying it, since a signal without the digest is ignored.
 */
function approvalDetails(call: RunnableToolCall): { staticDetails?: string } {
  if (!call.requiresApproval) return {};
  const input = JSON.stringify({ approved: true, argsDigest: call.argsDigest });
  return {
    staticDetails: [
      `\`${call.name}\` awaits approval. Arguments digest: \`${call.argsDigest}\``,
      '',
      'Decide as an operator (`"approved":false` denies; an `approver` you add is recorded only as a claim):',
      '```',
      `temporal workflow signal --workflow-id ${toolCallWorkflowId(call.id)} --name approvalDecision --input '${input}'`,
      '```',
    ].join('\n'),
  };
}

async function runInline(input: CompletionInput, call: RunnableToolCall): Promise<void> {
  const activities = proxyActivities<Activities>({
    summary: `${call.name} (inline tool)`,
    startToCloseTimeout: call.timeoutMs,
    retry: {
      maximumAttempts: call.retry.maximumAttempts,
      initialInterval: call.retry.initialIntervalMs,
      maximumInterval: call.retry.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  });
  try {
    await activities.runTool({
      toolCallId: call.id,
      completionId: input.completionId,
      maxAttempts: call.retry.maximumAttempts,
      publishOutput: true,
    });
  } catch (error) {
    await bookkeeping.recordToolFailure({
      toolCallId: call.id,
      completionId: input.completionId,
      message: toolFailureMessage(call.name, error),
      publish: true,
    });
  }
}
