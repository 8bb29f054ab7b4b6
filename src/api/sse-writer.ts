/**
 * Writes a UI message stream to an HTTP response: headers, `id: <seq>` frames, keep-alive comments, and the
 * closing `[DONE]` after a terminal chunk. Stops reading from Redis as soon as the client goes away.
 *
 * Backpressure: a frame is written only once the socket has taken the previous ones ('drain'), so what waits
 * for a slow client sits in its follower's bounded queue. A viewer that outgrows that bound is ended without
 * `[DONE]`: the client reconnects with Last-Event-ID and the Redis log replays what it missed.
 */
import type { Context } from 'koa';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from '../log.js';
import { metrics, registry } from '../metrics.js';
import { createClientTranslator, type ClientVersion } from '../stream/client-version.js';
import { formatSseComment, formatSseData, SSE_DONE, UI_STREAM_HEADERS } from '../stream/sse.js';
import type { StreamEvent } from '../stream/stream-event.js';
import { FellBehindError, type StreamFollower, type UserFollower } from '../stream/stream-hub.js';
import { TERMINAL_CHUNK_TYPES } from '../stream/ui-chunks.js';

/** Per open response: bytes it holds for its client (unsent response bytes plus its follower's queue). */
const openResponses = new Set<() => number>();

new Gauge({
  name: 'longhaul_sse_buffered_bytes',
  help: 'Bytes held for SSE clients by this API process: unsent response bytes plus follower queues.',
  registers: [registry],
  collect() {
    let total = 0;
    for (const buffered of openResponses) total += buffered();
    this.set(total);
  },
});

const fellBehindTotal = new Counter({
  name: 'longhaul_sse_fell_behind_total',
  help: 'SSE viewers closed (resumably, without [DONE]) because they fell too far behind the stream.',
  registers: [registry],
});

export interface SseResponse {
  /**
   * Writes a frame; resolves once the response can take more (at once, or on 'drain'), has closed, or
   * `giveUp` is aborted.
   */
  write(frame: string | Uint8Array, giveUp?: AbortSignal): Promise<void>;
  /** A keep-alive comment, skipped while frames are still waiting for the socket (those keep it alive). */
  keepAlive(): void;
  end(): void;
  closed: Promise<void>;
}

export interface OpenStreamOptions {
  /** What waits for this response upstream (its follower's queue). */
  queuedBytes?: () => number;
  headers?: Readonly<Record<string, string>>;
  /** False for framings without comments (AG-UI's protobuf): keep-alive ticks then write nothing. */
  comments?: boolean;
}

/** Opens a streaming response (the UI message stream's SSE unless `headers` says otherwise). */
export function openSse(ctx: Context, options: OpenStreamOptions = {}): SseResponse {
  const { queuedBytes = () => 0, headers = UI_STREAM_HEADERS, comments = true } = options;
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(200, headers);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  metrics.activeStreams.inc();
  const buffered = () => res.writableLength + queuedBytes();
  openResponses.add(buffered);
  const closed = new Promise<void>((resolve) =>
    res.once('close', () => {
      metrics.activeStreams.dec();
      openResponses.delete(buffered);
      resolve();
    }),
  );
  const drained = (giveUp?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        giveUp?.removeEventListener('abort', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
      giveUp?.addEventListener('abort', done);
    });
  return {
    write: async (frame, giveUp) => {
      if (res.writableEnded || res.destroyed) return;
      if (!res.write(frame) && !giveUp?.aborted) await drained(giveUp);
    },
    keepAlive: () => {
      if (comments && !res.writableEnded && !res.writableNeedDrain) res.write(formatSseComment('keep-alive'));
    },
    end: () => {
      if (!res.writableEnded) res.end();
    },
    closed,
  };
}

export interface FollowOptions {
  keepAliveMs: number;
  log: Logger;
  /** What the log line names the viewer by (its completion or user id). */
  ids: Record<string, string>;
  /** Runs on every keep-alive tick, after the comment. */
  onTick?: () => void;
  /** The log line for a viewer that fell behind: how it gets back what it missed. */
  fellBehind?: string;
}

/**
 * Runs `stream` on an open response with keep-alive ticks; whichever way it ends, stops them, releases the
 * subscription and ends the response. A viewer that fell behind is ended without its stream's last frame, so it
 * resumes (SSE: with Last-Event-ID); other errors propagate.
 */
export async function follow(
  sse: SseResponse,
  follower: { close(): Promise<void> },
  options: FollowOptions,
  stream: () => Promise<void>,
): Promise<void> {
  const keepAlive = setInterval(() => {
    sse.keepAlive();
    options.onTick?.();
  }, options.keepAliveMs);
  void sse.closed.then(() => follower.close());
  try {
    await stream();
  } catch (error) {
    if (!(error instanceof FellBehindError)) throw error;
    fellBehindTotal.inc();
    options.log.info(
      options.ids,
      options.fellBehind ?? 'SSE viewer fell behind: closed without [DONE] so it resumes with Last-Event-ID',
    );
  } finally {
    clearInterval(keepAlive);
    await follower.close();
    sse.end();
  }
}

export interface PipeOptions {
  completionId: string;
  afterSeq: number;
  clientVersion: ClientVersion;
  keepAliveMs: number;
  log: Logger;
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

/**
 * Streams events until a terminal chunk, the client disconnects, or the client falls too far behind; always
 * releases the subscription.
 */
export async function pipeFollowerToSse(ctx: Context, follower: StreamFollower, options: PipeOptions): Promise<void> {
  const sse = openSse(ctx, { queuedBytes: follower.queuedBytes });
  let settledSeen = false;
  let ended = false;
  const onTick = () => {
    if (settledSeen) {
      ended = true;
      void follower.close();
      return;
    }
    options.isSettled?.().then(
      (settled) => (settledSeen = settled),
      () => {},
    );
  };
  const ids = { completionId: options.completionId };
  const translate = createClientTranslator(options.clientVersion);
  await follow(sse, follower, { keepAliveMs: options.keepAliveMs, log: options.log, ids, onTick }, async () => {
    for await (const event of follower.events(options.afterSeq)) {
      let written = Promise.resolve();
      for (const sent of translate(event)) written = sse.write(formatSseData(sent.json, sent.seq), follower.behind);
      if (TERMINAL_CHUNK_TYPES.has(event.type)) {
        const pausedForApproval =
          event.type === 'finish' && options.until === 'completion' && !(await options.isSettled?.());
        // After the last frame nothing more is queued: end now rather than wait for a client that stopped reading.
        if (!pausedForApproval) {
          ended = true;
          break;
        }
      }
      await written;
    }
    if (ended) void sse.write(SSE_DONE);
  });
}

/** Streams the user's channel until the client disconnects or falls too far behind. */
export async function pipeUserFollowerToSse(
  ctx: Context,
  follower: UserFollower,
  options: { userId: string; keepAliveMs: number; log: Logger },
): Promise<void> {
  const sse = openSse(ctx, { queuedBytes: follower.queuedBytes });
  const ids = { userId: options.userId };
  await follow(sse, follower, { keepAliveMs: options.keepAliveMs, log: options.log, ids }, async () => {
    for await (const event of follower.events()) await sse.write(formatSseData(event.json, event.seq), follower.behind);
  });
}

/** Writes a fixed list of events (a replay of a finished completion), each once the socket takes it, and closes. */
export async function writeEventsToSse(
  ctx: Context,
  events: StreamEvent[],
  clientVersion: ClientVersion,
): Promise<void> {
  const sse = openSse(ctx);
  const translate = createClientTranslator(clientVersion);
  try {
    for (const event of events) {
      for (const sent of translate(event)) await sse.write(formatSseData(sent.json, sent.seq));
    }
    void sse.write(SSE_DONE);
  } finally {
    sse.end();
  }
}
