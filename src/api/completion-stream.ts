import type { Context } from 'koa';
import type pg from 'pg';
import type { Logger } from '../log.js';
import { ACTIVE_STATUSES, createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import type { ClientVersion } from '../stream/client-version.js';
import { rebuildChunks } from '../stream/rebuild-chunks.js';
import type { StreamFollower, StreamHub } from '../stream/stream-hub.js';
import type { CompletionReconciler } from './completion-reconciler.js';
import { pipeFollowerToSse, writeEventsToSse } from './sse-writer.js';

/**
 * Serves one completion's stream from `afterSeq` on: live from Redis while it runs, replayed from its Redis log
 * once it has finished, and rebuilt from Postgres once that log has expired.
 */
export function createCompletionStream(deps: {
  pool: pg.Pool;
  hub: StreamHub;
  keepAliveMs: number;
  reconciler: CompletionReconciler;
  log: Logger;
}) {
  const messages = createMessagesRepo(deps.pool);
  const completions = createCompletionsRepo(deps.pool);

  /** Streams a running completion through an already subscribed follower. */
  function pipeLive(
    ctx: Context,
    completionId: string,
    follower: StreamFollower,
    afterSeq: number,
    clientVersion: ClientVersion,
    until: 'segment' | 'completion' = 'segment',
  ) {
    const isSettled = async () => {
      const row = await completions.get(completionId);
      if (!row || !ACTIVE_STATUSES.includes(row.status)) return true;
      // A run that ended outside Longhaul (terminated in the Temporal UI) never says so itself.
      return deps.reconciler.settleIfEnded(row);
    };
    return pipeFollowerToSse(ctx, follower, {
      completionId,
      afterSeq,
      clientVersion,
      keepAliveMs: deps.keepAliveMs,
      log: deps.log,
      isSettled,
      until,
    });
  }

  async function streamCompletion(
    ctx: Context,
    completion: CompletionRow,
    afterSeq: number,
    clientVersion: ClientVersion,
    until: 'segment' | 'completion',
  ): Promise<void> {
    if (ACTIVE_STATUSES.includes(completion.status)) {
      await pipeLive(ctx, completion.id, await deps.hub.follow(completion.id), afterSeq, clientVersion, until);
      return;
    }
    if (await deps.hub.hasLog(completion.id)) {
      await writeEventsToSse(ctx, await deps.hub.readLog(completion.id, afterSeq), clientVersion);
      return;
    }
    const chunks = rebuildChunks(completion, await messages.listByCompletion(completion.id));
    const events = chunks.map((chunk, index) => ({ seq: index + 1, type: chunk.type, json: JSON.stringify(chunk) }));
    await writeEventsToSse(
      ctx,
      events.filter((event) => event.seq > afterSeq),
      clientVersion,
    );
  }

  return { pipeLive, streamCompletion };
}

export type CompletionStream = ReturnType<typeof createCompletionStream>;
