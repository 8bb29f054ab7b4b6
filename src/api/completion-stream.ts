import type { Context } from 'koa';
import type pg from 'pg';
import { ACTIVE_STATUSES, type CompletionRow } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { rebuildChunks } from '../stream/rebuild-chunks.js';
import type { StreamHub } from '../stream/stream-hub.js';
import { pipeFollowerToSse, writeEventsToSse } from './sse-writer.js';

/**
 * Serves one completion's stream from `afterSeq` on: live from Redis while it runs or while its log lives,
 * rebuilt from Postgres once the log has expired.
 */
export function createCompletionStream(deps: { pool: pg.Pool; hub: StreamHub; keepAliveMs: number }) {
  const messages = createMessagesRepo(deps.pool);
  return async function streamCompletion(ctx: Context, completion: CompletionRow, afterSeq: number): Promise<void> {
    const active = ACTIVE_STATUSES.includes(completion.status);
    if (active || (await deps.hub.hasLog(completion.id))) {
      const follower = await deps.hub.follow(completion.id);
      await pipeFollowerToSse(ctx, follower, afterSeq, deps.keepAliveMs);
      return;
    }
    const chunks = rebuildChunks(completion, await messages.listByCompletion(completion.id));
    const events = chunks.map((chunk, index) => ({ seq: index + 1, type: chunk.type, json: JSON.stringify(chunk) }));
    writeEventsToSse(ctx, events.filter((event) => event.seq > afterSeq));
  };
}

export type CompletionStream = ReturnType<typeof createCompletionStream>;
