/**
 * Streams one completion as one AG-UI run: a fresh translator per response, fed from the completion's follower,
 * with what Postgres knows that the chunks do not say (when an approval lapses, why a call was denied).
 */
import type { Context } from 'koa';
import type pg from 'pg';
import type { CompletionReconciler } from '../api/completion-reconciler.js';
import { ACTIVE_STATUSES, createCompletionsRepo } from '../db/completions-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import type { Logger } from '../log.js';
import type { StreamFollower } from '../stream/stream-hub.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import { encoderFor, pipeFollowerAsAgUi } from './ag-ui-stream.js';
import { createAgUiTranslator, type ChunkFacts } from './translator.js';

export function createAgUiRunStream(deps: {
  pool: pg.Pool;
  reconciler: CompletionReconciler;
  keepAliveMs: number;
  log: Logger;
}) {
  const completions = createCompletionsRepo(deps.pool);
  const toolCalls = createToolExecutionsRepo(deps.pool);

  async function factsFor(chunk: UIMessageChunk, userId: string): Promise<ChunkFacts> {
    if (chunk.type !== 'tool-approval-request' && chunk.type !== 'tool-output-denied') return {};
    const call = await toolCalls.getForUser(chunk.toolCallId, userId);
    if (chunk.type === 'tool-approval-request') {
      return call?.expiresAt ? { approvalExpiresAt: call.expiresAt.toISOString() } : {};
    }
    return call?.result?.kind === 'denied'
      ? { denial: { reason: call.result.reason, expired: call.result.expired } }
      : {};
  }

  /** Streams the completion's events after `afterSeq`, through an already subscribed follower, as the run `run`. */
  return function streamRun(
    ctx: Context,
    completionId: string,
    follower: StreamFollower,
    afterSeq: number,
    run: { threadId: string; runId: string; clientMessageIds?: readonly string[] },
  ): Promise<void> {
    const userId: string = ctx.state.user.id;
    return pipeFollowerAsAgUi(ctx, follower, encoderFor(ctx), {
      completionId,
      afterSeq,
      translator: createAgUiTranslator(run),
      keepAliveMs: deps.keepAliveMs,
      log: deps.log,
      async isSettled() {
        const row = await completions.get(completionId);
        if (!row || !ACTIVE_STATUSES.includes(row.status)) return true;
        // A run that ended outside Longhaul (terminated in the Temporal UI) never says so itself.
        return deps.reconciler.settleIfEnded(row);
      },
      factsFor: (chunk) => factsFor(chunk, userId),
    });
  };
}
