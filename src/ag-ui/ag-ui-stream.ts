/**
 * Writes one completion's stream to an HTTP response as AG-UI events, encoded by @ag-ui/encoder: SSE, or
 * AG-UI's protobuf framing for a client whose Accept header names its media type. The sibling of
 * api/sse-writer.ts, with the same habits: a frame is written once the socket took the previous ones (so what
 * waits for a slow client sits in its follower's bounded queue), keep-alive ticks double as checks that the
 * completion still runs, and a viewer that fell too far behind is ended without RUN_FINISHED, to reconnect.
 */
import { AGUI_MEDIA_TYPE, EventEncoder } from '@ag-ui/encoder';
import type { Context } from 'koa';
import type { Logger } from '../log.js';
import { metrics } from '../metrics.js';
import { formatSseComment } from '../stream/sse.js';
import { FellBehindError, type StreamFollower } from '../stream/stream-hub.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import { parsePublishedChunk } from './published-chunk.js';
import type { AgUiTranslator, ChunkFacts } from './translator.js';

export interface AgUiPipeOptions {
  completionId: string;
  afterSeq: number;
  translator: AgUiTranslator;
  keepAliveMs: number;
  log: Logger;
  /** Whether the completion has ended in Postgres; checked on keep-alive ticks, as for the UI message stream. */
  isSettled: () => Promise<boolean>;
  /** What Postgres adds to a chunk (approval expiries, denial reasons). */
  factsFor: (chunk: UIMessageChunk) => Promise<ChunkFacts>;
}

/**
 * The encoder for the request's Accept header. `*\/*` alone does not choose protobuf (the encoder would): curl and
 * fetch send it by default and expect text, so only a header that names AG-UI's media type gets the binary form.
 */
export function encoderFor(ctx: Context): EventEncoder {
  const accept = ctx.get('accept');
  return new EventEncoder(accept.includes(AGUI_MEDIA_TYPE) ? { accept } : {});
}

/** Streams AG-UI events until the run's last one, the client leaves, or it falls behind; always unsubscribes. */
export async function pipeFollowerAsAgUi(
  ctx: Context,
  follower: StreamFollower,
  encoder: EventEncoder,
  options: AgUiPipeOptions,
): Promise<void> {
  const { translator } = options;
  ctx.respond = false;
  const res = ctx.res;
  const sse = encoder.getContentType() === 'text/event-stream';
  res.writeHead(200, {
    'content-type': encoder.getContentType(),
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  metrics.activeStreams.inc();
  res.once('close', () => {
    metrics.activeStreams.dec();
    void follower.close();
  });

  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        follower.behind.removeEventListener('abort', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
      follower.behind.addEventListener('abort', done);
    });
  const write = async (bytes: Uint8Array) => {
    if (res.writableEnded || res.destroyed) return;
    if (!res.write(bytes) && !follower.behind.aborted) await drained();
  };

  let settledSeen = false;
  const keepAlive = setInterval(() => {
    // Protobuf framing has no comments: a binary client's connection idles until the next event.
    if (sse && !res.writableEnded && !res.writableNeedDrain) res.write(formatSseComment('keep-alive'));
    if (settledSeen) {
      void follower.close();
      return;
    }
    options.isSettled().then(
      (settled) => (settledSeen = settled),
      () => {},
    );
  }, options.keepAliveMs);

  try {
    for (const event of translator.start()) await write(encoder.encodeBinary(event));
    for await (const published of follower.events(options.afterSeq)) {
      const chunk = parsePublishedChunk(published.json);
      if (!chunk) continue;
      const facts = 'catalogue' in chunk ? await options.factsFor(chunk.catalogue) : {};
      for (const event of translator.push(chunk, facts)) {
        const written = write(encoder.encodeBinary(event));
        // After the run's last event nothing more is queued: end now rather than wait for a client that stopped
        // reading (res.write has taken the bytes already; only the wait for 'drain' is skipped).
        if (!translator.finished) await written;
      }
      if (translator.finished) break;
    }
  } catch (error) {
    if (!(error instanceof FellBehindError)) throw error;
    options.log.info(
      { completionId: options.completionId },
      'AG-UI viewer fell behind: closed without RUN_FINISHED; GET /ag-ui/:threadId/stream replays the run',
    );
  } finally {
    clearInterval(keepAlive);
    await follower.close();
    if (!res.writableEnded) res.end();
  }
}
