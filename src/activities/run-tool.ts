import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  findToolCall,
  finalResultOf,
  markToolRunning,
  publishToolResult,
  recordToolExecuted,
} from '../completions/tool-calls.js';
import type { ToolExecutionRow } from '../db/tool-executions-repo.js';
import type { ToolResult } from '../tools/tool-result.js';
import type { RunToolInput } from '../workflows/definitions.js';
import { activityOrigin } from './activity-origin.js';
import type { ActivityDeps } from './deps.js';

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Executes one validated tool call. The arguments come from Postgres, never from workflow history. A stored
 * result short-circuits, so a retried activity never re-runs a tool that finished; the tool itself gets the
 * call id as its idempotency key for side effects that may have happened before a crash. A throw is retried
 * while attempts remain, then recorded as a `failed` result the model reads.
 */
export function createRunTool(deps: Pick<ActivityDeps, 'pool' | 'publisher' | 'tools' | 'log'>) {
  const { pool, tools } = deps;

  return async function runTool(input: RunToolInput): Promise<{ kind: ToolResult['kind'] }> {
    const call = await findToolCall(deps, input.toolCallId);
    if (!call)
      throw ApplicationFailure.nonRetryable(`tool call ${input.toolCallId} is not recorded`, 'ToolCallMissing');
    const stored = finalResultOf(call);
    if (stored) {
      // A retry after the result was stored: the attempt before may have died before publishing it, and a
      // viewer that gets the output twice only sets it twice.
      if (input.publishOutput) await publishToolResult(deps, input.completionId, input.toolCallId, stored);
      return { kind: stored.kind };
    }

    const context = Context.current();
    const startedAt = Date.now();
    const result = await execute(call, context);
    const durationMs = Date.now() - startedAt;
    await recordToolExecuted(deps, activityOrigin(), {
      call,
      result,
      durationMs,
      attempt: context.info.attempt,
      background: input.background,
    });
    if (input.publishOutput) await publishToolResult(deps, input.completionId, input.toolCallId, result);
    return { kind: result.kind };

    async function execute(call: ToolExecutionRow, context: Context): Promise<ToolResult> {
      const tool = tools.get(call.toolName);
      if (!tool) return { kind: 'not_found_error', message: `this worker has no tool named "${call.toolName}"` };
      const parsed = tool.input.safeParse(call.args);
      if (!parsed.success) return { kind: 'validation_error', message: parsed.error.issues[0]?.message ?? 'invalid' };
      await markToolRunning(deps, input.toolCallId);
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const output = await tool.execute(parsed.data, {
          toolCallId: input.toolCallId,
          threadId: call.threadId,
          userId: call.userId,
          signal: context.cancellationSignal,
          heartbeat: () => context.heartbeat(),
          pool,
        });
        const uiParts = tool.uiParts?.(output);
        return { kind: 'completed', output: output ?? null, ...(uiParts?.length ? { uiParts } : {}) };
      } catch (error) {
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        const message = error instanceof Error ? error.message : String(error);
        if (context.info.attempt < input.maxAttempts) {
          throw ApplicationFailure.retryable(`${call.toolName} failed: ${message}`, 'ToolFailed');
        }
        return { kind: 'failed', message: `${call.toolName} failed: ${message}` };
      } finally {
        clearInterval(beat);
      }
    }
  };
}
