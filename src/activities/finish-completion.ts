import { Context } from '@temporalio/activity';
import { createAuditRepo } from '../db/audit-repo.js';
import { metrics } from '../metrics.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { auditFromActivity } from './audit-from-activity.js';
import { createThreadsRepo } from '../db/threads-repo.js';
import { withTransaction } from '../db/transaction.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { threadStatusChunk } from '../completions/announcements.js';
import { publishSubagentProgress } from '../completions/announcements.js';

export interface FinishCompletionInput extends CompletionInput {
  status: 'completed' | 'failed' | 'cancelled';
  finishReason: string;
  error?: string;
  errorCode?: string;
}

const RUN_STATUS = { completed: 'complete', failed: 'failed', cancelled: 'cancelled' } as const;

/**
 * Records the outcome once (tool calls still open when a turn is stopped or fails become `interrupted`, which
 * also takes them out of the approval inbox), frees the thread for its next turn, and closes the stream with the chunk that fits
 * the outcome (`finish` with usage, `error`, or `abort`). The status chunk goes first: viewers stop reading at the
 * terminal chunk.
 */
export function createFinishCompletion({ pool, publisher, log }: ActivityDeps) {
  return async function finishCompletion(input: FinishCompletionInput): Promise<void> {
    if (Context.current().info.attempt === 1) metrics.completionsFinished.inc({ status: input.status });
    const ids = { threadId: input.threadId, completionId: input.completionId, userId: input.userId };
    // One commit: a reader who sees the completion ended also sees its audit record and a free thread.
    const row = await withTransaction(pool, async (client) => {
      const completions = createCompletionsRepo(client);
      const audit = createAuditRepo(client);
      if (input.status !== 'completed') await createToolExecutionsRepo(client).interruptOpen(input.completionId);
      await completions.finish(input.completionId, {
        status: input.status,
        finishReason: input.finishReason,
        ...(input.error ? { error: { code: input.errorCode ?? 'completion_failed', message: input.error } } : {}),
      });
      await createThreadsRepo(client).clearActiveCompletion(input.threadId, input.completionId);
      const finished = await completions.get(input.completionId);
      if (input.status === 'failed') {
        await auditFromActivity(audit, {
          key: `failure:${input.completionId}`,
          ...ids,
          type: 'failure',
          actor: 'system',
          data: { code: input.errorCode ?? 'completion_failed', message: input.error ?? null },
        });
      }
      await auditFromActivity(audit, {
        key: `completion_finished:${input.completionId}`,
        ...ids,
        type: 'completion_finished',
        actor: 'system',
        data: {
          status: input.status,
          finishReason: input.finishReason,
          steps: finished?.steps ?? 0,
          inputTokens: finished?.inputTokens ?? 0,
          outputTokens: finished?.outputTokens ?? 0,
        },
      });
      return finished;
    });
    log.info(
      { ...ids, status: input.status, finishReason: input.finishReason, steps: row?.steps, errorCode: input.errorCode },
      'completion finished',
    );
    await publisher.publish(input.completionId, threadStatusChunk(input, RUN_STATUS[input.status]), input.userId);
    await publisher.publish(input.completionId, terminalChunk(input, row?.inputTokens ?? 0, row?.outputTokens ?? 0));
    await publishSubagentProgress(publisher, input, { status: input.status, steps: row?.steps ?? 0 });
  };
}

function terminalChunk(input: FinishCompletionInput, inputTokens: number, outputTokens: number): UIMessageChunk {
  switch (input.status) {
    case 'completed':
      // finishReason rides in metadata: the chunk field is unknown to ai < 5.0.92, which rejects unknown fields.
      return {
        type: 'finish',
        messageMetadata: {
          completionId: input.completionId,
          finishReason: input.finishReason,
          usage: { inputTokens, outputTokens },
        },
      };
    case 'failed':
      return { type: 'error', errorText: input.error ?? 'The completion failed.' };
    case 'cancelled':
      return { type: 'abort', reason: 'cancelled' };
  }
}
