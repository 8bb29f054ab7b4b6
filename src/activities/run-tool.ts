import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createAuditRepo } from '../db/audit-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import { withTransaction } from '../db/transaction.js';
import { auditFromActivity } from './audit-from-activity.js';
import { toResultChunks, type ToolResult } from '../tools/tool-result.js';
import type { ActivityDeps } from './deps.js';

export interface RunToolInput {
  toolCallId: string;
  completionId: string;
  maxAttempts: number;
  /** Inline calls publish their output at once; durable ones leave it to the completion (it may be resumed later). */
  publishOutput: boolean;
  /** Background calls keep the `pending` part the model saw; their result becomes a message of its own. */
  background?: boolean;
}

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Executes one validated tool call. The arguments come from Postgres, never from workflow history. A stored
 * result short-circuits, so a retried activity never re-runs a tool that finished; the tool itself gets the
 * call id as its idempotency key for side effects that may have happened before a crash. A throw is retried
 * while attempts remain, then recorded as a `failed` result the model reads.
 */
export function createRunTool({ pool, publisher, tools, log }: Pick<ActivityDeps, 'pool' | 'publisher' | 'tools' | 'log'>) {
  const executions = createToolExecutionsRepo(pool);

  return async function runTool(input: RunToolInput): Promise<{ kind: ToolResult['kind'] }> {
    const row = await executions.get(input.toolCallId);
    if (!row) throw ApplicationFailure.nonRetryable(`tool call ${input.toolCallId} is not recorded`, 'ToolCallMissing');
    if (row.result && row.result.kind !== 'pending') {
      // A retry after the result was stored: the attempt before may have died before publishing it, and a
      // viewer that gets the output twice only sets it twice.
      if (input.publishOutput) await publishResult(row.result);
      return { kind: row.result.kind };
    }

    const context = Context.current();
    const startedAt = Date.now();
    const result = await execute();
    const durationMs = Date.now() - startedAt;
    const ids = { completionId: row.completionId, threadId: row.threadId, userId: row.userId };
    // One commit: a retry that finds the result stored returns early, so the audit row must not lag behind it.
    await withTransaction(pool, async (client) => {
      await createToolExecutionsRepo(client).storeResult(input.toolCallId, result, { updatePart: !input.background });
      await auditFromActivity(createAuditRepo(client), {
        key: `tool_executed:${input.toolCallId}`,
        ...ids,
        type: 'tool_executed',
        actor: 'system',
        data: {
          toolCallId: input.toolCallId,
          toolName: row.toolName,
          outcome: result.kind,
          durationMs,
          attempt: context.info.attempt,
          ...('message' in result && result.kind !== 'pending' ? { message: result.message } : {}),
        },
      });
    });
    log.info({ ...ids, toolCallId: input.toolCallId, toolName: row.toolName, outcome: result.kind, durationMs }, 'tool executed');
    if (input.publishOutput) await publishResult(result);
    return { kind: result.kind };

    async function publishResult(stored: ToolResult): Promise<void> {
      for (const chunk of toResultChunks(input.toolCallId, stored)) await publisher.publish(input.completionId, chunk);
    }

    async function execute(): Promise<ToolResult> {
      const tool = tools.get(row!.toolName);
      if (!tool) return { kind: 'not_found_error', message: `this worker has no tool named "${row!.toolName}"` };
      const parsed = tool.input.safeParse(row!.args);
      if (!parsed.success) return { kind: 'validation_error', message: parsed.error.issues[0]?.message ?? 'invalid' };
      await executions.markRunning(input.toolCallId);
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const output = await tool.execute(parsed.data, {
          toolCallId: input.toolCallId,
          threadId: row!.threadId,
          userId: row!.userId,
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
          throw ApplicationFailure.retryable(`${row!.toolName} failed: ${message}`, 'ToolFailed');
        }
        return { kind: 'failed', message: `${row!.toolName} failed: ${message}` };
      } finally {
        clearInterval(beat);
      }
    }
  };
}
