import type { Context } from 'koa';
import type pg from 'pg';
import type { Logger } from '../log.js';
import { ACTIVE_STATUSES, createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import type { ClientVersion } from '../stream/client-version.js';
import { rebuildChunks } from '../stream/rebuild-chunks.js';
import type { StreamEvent } from '../stream/stream-event.js';
import type { StreamFollower, StreamHub } from '../stream/stream-hub.js';
import { TERMINAL_CHUNK_TYPES } from '../stream/ui-chunks.js';
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

  /** `keep` drops published events this response must not carry (see streamMessage). */
  async function streamCompletion(
    ctx: Context,
    completion: CompletionRow,
    afterSeq: number,
    clientVersion: ClientVersion,
    until: 'segment' | 'completion',
    keep: (event: StreamEvent) => boolean = () => true,
  ): Promise<void> {
    if (ACTIVE_STATUSES.includes(completion.status)) {
      const follower = filtered(await deps.hub.follow(completion.id), keep);
      await pipeLive(ctx, completion.id, follower, afterSeq, clientVersion, until);
      return;
    }
    const logged = await deps.hub.readWholeLog(completion.id, afterSeq);
    if (logged) {
      await writeEventsToSse(ctx, logged.filter(keep), clientVersion);
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

  /**
   * The whole assistant message, for a client that rebuilds it from the first `start` it reads (useChat's resume):
   * every segment from the first, so a continuation's outputs after approvals find the calls they answer, without
   * the `finish` (or other end) of the segments before the current one, which would end the response there.
   */
  async function streamMessage(ctx: Context, completion: CompletionRow, clientVersion: ClientVersion): Promise<void> {
    const current = (await deps.hub.segmentStart(completion.id)) ?? 1;
    const keep = (event: StreamEvent) => event.seq >= current || !TERMINAL_CHUNK_TYPES.has(event.type);
    await streamCompletion(ctx, completion, 0, clientVersion, 'segment', keep);
  }

  return { pipeLive, streamCompletion, streamMessage };
}

/** The follower's events that `keep` accepts; the rest of it unchanged. */
function filtered(follower: StreamFollower, keep: (event: StreamEvent) => boolean): StreamFollower {
  return {
    ...follower,
    async *events(afterSeq) {
      for await (const event of follower.events(afterSeq)) if (keep(event)) yield event;
    },
  };
}

export type CompletionStream = ReturnType<typeof createCompletionStream>;
