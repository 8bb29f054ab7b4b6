/**
 * A tool call's result, from the moment the call runs to the moment its output reaches the stream: stored once
 * with its audit row, published (again, on a retry: a repeated output chunk only sets the part twice), failures
 * and background calls included. Every function is safe to repeat: the first stored result stands.
 */
import { createMessagesRepo } from '../db/messages-repo.js';
import { createToolExecutionsRepo, type ToolExecutionRow } from '../db/tool-executions-repo.js';
import { withTransaction } from '../db/transaction.js';
import { BACKGROUND_PENDING_RESULT, toResultChunks, type ToolResult } from '../tools/tool-result.js';
import type {
  EndToolStepInput,
  RecordPendingResultInput,
  RecordToolFailureInput,
  ToolCallInput,
} from '../workflows/definitions.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';
import { auditToolCall, toAuditedCall } from './tool-call-audit.js';

export async function findToolCall({ pool }: LifecycleDeps, toolCallId: string): Promise<ToolExecutionRow | undefined> {
  return createToolExecutionsRepo(pool).get(toolCallId);
}

/** The result a call ended with; a `pending` one (a background call) is not final: the real result follows. */
export function finalResultOf(call: ToolExecutionRow): ToolResult | undefined {
  return call.result && call.result.kind !== 'pending' ? call.result : undefined;
}

/** Marks an attempt as started, just before the tool runs. */
export async function markToolRunning({ pool }: LifecycleDeps, toolCallId: string): Promise<void> {
  await createToolExecutionsRepo(pool).markRunning(toolCallId);
}

/**
 * Stores what a run of the tool produced, with its `tool_executed` audit row, in one commit: a retry that finds
 * the result stored returns early, so the audit row must not lag behind it.
 */
export async function recordToolExecuted(
  { pool, log }: LifecycleDeps,
  origin: Origin,
  run: { call: ToolExecutionRow; result: ToolResult; durationMs: number; attempt: number; background?: boolean },
): Promise<void> {
  const { call, result, durationMs } = run;
  await withTransaction(pool, async (client) => {
    await createToolExecutionsRepo(client).storeResult(call.id, result, { updatePart: !run.background });
    await auditToolCall(client, origin, {
      type: 'tool_executed',
      call: toAuditedCall(call),
      actor: 'system',
      data: {
        outcome: result.kind,
        durationMs,
        attempt: run.attempt,
        ...('message' in result && result.kind !== 'pending' ? { message: result.message } : {}),
      },
    });
  });
  const ids = { completionId: call.completionId, threadId: call.threadId, userId: call.userId };
  log.info({ ...ids, toolCallId: call.id, toolName: call.toolName, outcome: result.kind, durationMs }, 'tool executed');
}

/**
 * An attempt of a tool that threw while attempts remain: its error text goes to the audit ledger (the attempt is
 * retried; the failure Temporal records names only the tool and the kind of error, see run-tool.ts).
 */
export async function recordToolAttemptFailed(
  { pool, log }: LifecycleDeps,
  origin: Origin,
  failed: { call: ToolExecutionRow; attempt: number; kind: string; message: string },
): Promise<void> {
  const { call, attempt, kind, message } = failed;
  await auditToolCall(pool, origin, {
    type: 'tool_attempt_failed',
    call: toAuditedCall(call),
    actor: 'system',
    data: { attempt, kind, message },
    keySuffix: `:${attempt}`,
  });
  log.info(
    { completionId: call.completionId, toolCallId: call.id, toolName: call.toolName, attempt, kind },
    'tool attempt failed; retrying',
  );
}

/** The chunks that move the browser's tool part to this result. */
export async function publishToolResult(
  { publisher }: LifecycleDeps,
  completionId: string,
  toolCallId: string,
  result: ToolResult,
): Promise<void> {
  for (const chunk of toResultChunks(toolCallId, result)) await publisher.publish(completionId, chunk);
}

/** Publishes the stored results of the given calls (durable calls, whose outputs the completion shows). */
export async function publishToolOutputs(
  deps: LifecycleDeps,
  completionId: string,
  toolCallIds: string[],
): Promise<void> {
  await publishStoredResults(deps, completionId, await createToolExecutionsRepo(deps.pool).listByIds(toolCallIds));
}

/** Publishes what each of these calls has on record (a call without a result yet shows nothing). */
export async function publishStoredResults(
  deps: LifecycleDeps,
  completionId: string,
  calls: ToolExecutionRow[],
): Promise<void> {
  for (const call of calls) {
    if (call.result) await publishToolResult(deps, completionId, call.id, call.result);
  }
}

/** Closes a step whose durable calls needed no approval: their outputs, then `finish-step`. */
export async function endToolStep(deps: LifecycleDeps, input: EndToolStepInput): Promise<void> {
  await publishToolOutputs(deps, input.completionId, input.toolCallIds);
  await deps.publisher.publish(input.completionId, { type: 'finish-step' });
}

/**
 * A tool call whose activity or child failed outright (timeout, crash): the model reads it as failed. The run
 * never reported back, so its `tool_executed` row is written here, with the outcome the call ended with (a
 * result stored before, such as an interruption, stands) and without the duration and attempt nobody measured.
 */
export async function recordToolFailure(
  deps: LifecycleDeps,
  origin: Origin,
  input: RecordToolFailureInput,
): Promise<void> {
  const result: ToolResult = { kind: 'failed', message: input.message };
  await withTransaction(deps.pool, async (client) => {
    const calls = createToolExecutionsRepo(client);
    await calls.storeResult(input.toolCallId, result, { updatePart: !input.background });
    const call = await calls.get(input.toolCallId);
    if (!call?.result) return;
    await auditToolCall(client, origin, {
      type: 'tool_executed',
      call: toAuditedCall(call),
      actor: 'system',
      data: { outcome: call.result.kind, ...('message' in call.result ? { message: call.result.message } : {}) },
    });
  });
  if (input.publish) await publishToolResult(deps, input.completionId, input.toolCallId, result);
}

/** A background call answers `pending` at once; its real result is added to the thread when it lands. */
export async function recordPendingResult(deps: LifecycleDeps, input: RecordPendingResultInput): Promise<void> {
  await createToolExecutionsRepo(deps.pool).storeResult(input.toolCallId, BACKGROUND_PENDING_RESULT);
  await publishToolResult(deps, input.completionId, input.toolCallId, BACKGROUND_PENDING_RESULT);
}

/** Writes a background call's final result into the thread as its own message, and tells the user's channel. */
export async function deliverBackgroundResult({ pool, publisher }: LifecycleDeps, input: ToolCallInput): Promise<void> {
  const call = await createToolExecutionsRepo(pool).get(input.toolCallId);
  const result = call && finalResultOf(call);
  if (!result) return;
  const { toolCallId, toolName, threadId, completionId } = input;
  await createMessagesRepo(pool).insertSystemMessage({
    id: `${toolCallId}:result`,
    threadId,
    completionId,
    parts: [{ type: 'data-tool_result', data: { toolCallId, toolName, result } }],
  });
  await publisher.publishToUser(input.userId, {
    type: 'data-tool_result',
    id: `tool-result-${toolCallId}`,
    data: { toolCallId, toolName, threadId, completionId, result },
    transient: true,
  });
}
