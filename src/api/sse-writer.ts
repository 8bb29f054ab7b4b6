/**
 * Writes a UI message stream to an HTTP response: headers, `id: <seq>` frames, keep-alive comments, and the
 * closing `[DONE]` after a terminal chunk. Stops reading from Redis as soon as the client goes away.
 */
import type { Context } from 'koa';
import { metrics } from '../metrics.js';
import { forClientVersion, type ClientVersion } from '../stream/client-version.js';
import { formatSseComment, formatSseData, SSE_DONE, UI_STREAM_HEADERS } from '../stream/sse.js';
import type { StreamEvent } from '../stream/stream-event.js';
import type { StreamFollower } from '../stream/stream-hub.js';
import { TERMINAL_CHUNK_TYPES } from '../stream/ui-chunks.js';

export function openSse(ctx: Context): { write(chunk: string): void; end(): void; closed: Promise<void> } {
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(200, UI_STREAM_HEADERS);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  metrics.activeStreams.inc();
  const closed = new Promise<void>((resolve) =>
    res.once('close', () => {
      metrics.activeStreams.dec();
      resolve();
    }),
  );
  return {
    write: (chunk) => {
      if (!res.writableEnded) res.write(chunk);
    },
    end: () => {
      if (!res.writableEnded) res.end();
    },
    closed,
  };
}

export interface PipeOptions {
  afterSeq: number;
  clientVersion: ClientVersion;
  keepAliveMs: number;
  /**
   * Whether the completion has ended in Postgres. Checked on keep-alive ticks: a viewer that resumed past the
   * terminal chunk (or whose producer died) is closed one tick after the end is seen, instead of idling forever.
   */
  isSettled?: () => Promise<boolean>;
  /**
   * `segment` (useChat) ends at the first `finish`, which also closes a segment that waits for approvals;
   * `completion` (REST viewers) reads on through such pauses until the completion itself has ended.
   */
  until: 'segment' | 'completion';
}

/** Streams events until a terminal chunk or the client disconnects; always releases the subscription. */
export async function pipeFollowerToSse(ctx: Context, follower: StreamFollower, options: PipeOptions): Promise<void> {
  const sse = openSse(ctx);
  let settledSeen = false;
  let ended = false;
  const keepAlive = setInterval(() => {
    sse.write(formatSseComment('keep-alive'));
    if (settledSeen) {
      ended = true;
      void follower.close();
      return;
    }
    options.isSettled?.().then(
      (settled) => (settledSeen = settled),
      () => {},
    );
  }, options.keepAliveMs);
  void sse.closed.then(() => follower.close());
  try {
    for await (const event of follower.events(options.afterSeq)) {
      const translated = forClientVersion(event, options.clientVersion);
      sse.write(formatSseData(translated.json, translated.seq));
      if (TERMINAL_CHUNK_TYPES.has(event.type)) {
        const pausedForApproval =
          event.type === 'finish' && options.until === 'completion' && !(await options.isSettled?.());
        if (pausedForApproval) continue;
        ended = true;
        break;
      }
    }
    if (ended) sse.write(SSE_DONE);
  } finally {
    clearInterval(keepAlive);
    await follower.close();
    sse.end();
  }
}

/** Writes a fixed list of events (a replay of a finished completion) and closes. */
export function writeEventsToSse(ctx: Context, events: StreamEvent[], clientVersion: ClientVersion): void {
  const sse = openSse(ctx);
  for (const event of events) {
    const translated = forClientVersion(event, clientVersion);
    sse.write(formatSseData(translated.json, translated.seq));
  }
  sse.write(SSE_DONE);
  sse.end();
}
