import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  findToolCall,
  finalResultOf,
  markToolRunning,
  publishToolResult,
  recordToolAttemptFailed,
  recordToolExecuted,
} from '../completions/tool-calls.js';
import type { ToolExecutionRow } from '../db/tool-executions-repo.js';
import { FinalToolFailure } from '../tools/tool-definition.js';
import type { ToolResult } from '../tools/tool-result.js';
import { FAILURE_TYPES, SAFE_KIND, type RunToolInput } from '../workflows/definitions.js';
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
      throw ApplicationFailure.nonRetryable(
        `tool call ${input.toolCallId} is not recorded`,
        FAILURE_TYPES.toolCallMissing,
      );
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
        const message = `${call.toolName} failed: ${error instanceof Error ? error.message : String(error)}`;
        if (context.info.attempt < input.maxAttempts && !(error instanceof FinalToolFailure)) {
          // Temporal records this failure (with the attempt that follows, or the timeout that ends the run), so it
          // carries no text of the tool's: the message (which can quote arguments or what the tool fetched) is
          // stored in the audit ledger first.
          const kind = errorKind(error);
          await recordToolAttemptFailed(deps, activityOrigin(), { call, attempt: context.info.attempt, kind, message });
          throw ApplicationFailure.retryable(`${call.toolName} failed (${kind})`, FAILURE_TYPES.toolFailed);
        }
        return { kind: 'failed', message };
      } finally {
        clearInterval(beat);
      }
    }
  };
}

/** The error's class name when it is an identifier (`TypeError`, `AbortError`), else `Error`: never its text. */
function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return 'thrown';
  return SAFE_KIND.test(error.name) ? error.name : 'Error';
}
