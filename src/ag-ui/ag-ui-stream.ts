/**
 * Writes one completion's stream to an HTTP response as AG-UI events, encoded by @ag-ui/encoder: SSE, or
 * AG-UI's protobuf framing for a client whose Accept header names its media type. The response, its
 * backpressure, keep-alive ticks and the ending of a viewer that fell too far behind (without RUN_FINISHED, to
 * reconnect) are the UI message stream's own (api/sse-writer.ts); only the framing and the events differ.
 */
import { AGUI_MEDIA_TYPE, EventEncoder } from '@ag-ui/encoder';
import type { Context } from 'koa';
import { follow, openSse } from '../api/sse-writer.js';
import type { Logger } from '../log.js';
import type { StreamFollower } from '../stream/stream-hub.js';
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
  const contentType = encoder.getContentType();
  const sse = openSse(ctx, {
    queuedBytes: follower.queuedBytes,
    headers: {
      'content-type': contentType,
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
    // Protobuf framing has no comments: a binary client's connection idles until the next event.
    comments: contentType === 'text/event-stream',
  });
  let settledSeen = false;
  const onTick = () => {
    if (settledSeen) {
      void follower.close();
      return;
    }
    options.isSettled().then(
      (settled) => (settledSeen = settled),
      () => {},
    );
  };
  const followOptions = {
    keepAliveMs: options.keepAliveMs,
    log: options.log,
    ids: { completionId: options.completionId },
    onTick,
    fellBehind: 'AG-UI viewer fell behind: closed without RUN_FINISHED; GET /ag-ui/:threadId/stream replays the run',
  };
  await follow(sse, follower, followOptions, async () => {
    for (const event of translator.start()) await sse.write(encoder.encodeBinary(event), follower.behind);
    for await (const published of follower.events(options.afterSeq)) {
      const chunk = parsePublishedChunk(published.json);
      if (!chunk) continue;
      const facts = 'catalogue' in chunk ? await options.factsFor(chunk.catalogue) : {};
      for (const event of translator.push(chunk, facts)) {
        const written = sse.write(encoder.encodeBinary(event), follower.behind);
        // After the run's last event nothing more is queued: end now rather than wait for a client that stopped
        // reading (the response has taken the bytes already; only the wait for 'drain' is skipped).
        if (!translator.finished) await written;
      }
      if (translator.finished) break;
    }
  });
}
