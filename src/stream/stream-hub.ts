/**
 * Follows one completion's chunks for an SSE response: replays the Redis Stream log after a seq, then the live
 * pub/sub feed, with no gap and no duplicate. One subscriber connection per process is shared by every viewer;
 * a channel is unsubscribed when its last viewer goes away, so idle viewers cost Temporal nothing and Redis
 * one channel each. The user's channel (`GET /v1/events`) works the same way over its own, longer-lived log,
 * and says so with a `data-events_gap` event where that log no longer reaches back.
 *
 * Each follower's queue of live events is bounded: a viewer whose socket stops taking bytes stops pulling, and
 * once its queue outgrows the bound the follower lets go of the live feed and ends with `FellBehindError`. The
 * viewer is then closed without a terminal chunk; it reconnects with Last-Event-ID and the log fills the gap.
 */
import type { Redis } from 'ioredis';
import { streamKeys } from './stream-keys.js';
import { subscribeWhenReady } from './subscribe-when-ready.js';
import { decodeLiveMessage, type StreamEvent } from './stream-event.js';
import type { UIMessageChunk } from './ui-chunks.js';

/** Thrown by a follower's `events()` once its queue outgrew the bound: the viewer is too far behind. */
export class FellBehindError extends Error {
  override name = 'FellBehindError';
}

/** What every follower has besides its events: the size of its queue and the moment it falls behind. */
interface FollowerQueue {
  /** Bytes of live events received and not yet taken from `events()`. */
  queuedBytes(): number;
  /**
   * Aborted when the queue outgrows its bound, so a writer waiting for its socket to drain stops waiting (a
   * signal, not a promise: a long stream's many waits each add and remove a listener, and leave nothing behind).
   */
  behind: AbortSignal;
  close(): Promise<void>;
}

export interface StreamFollower extends FollowerQueue {
  /** Yields events with seq > afterSeq in order; ends when `close()` is called, throws `FellBehindError`. */
  events(afterSeq: number): AsyncIterable<StreamEvent>;
}

export interface UserFollower extends FollowerQueue {
  /**
   * Yields events in seq order, each once; ends when `close()` is called, throws `FellBehindError`. Where events
   * the caller asked for are no longer in the log (trimmed or expired), a `data-events_gap` event stands in for
   * them: its seq is the last one lost, so a client's Last-Event-ID moves past the hole. When Last-Event-ID is
   * ahead of the user's seq (Redis lost it, or the id is made up) the gap event has seq 0 and the whole log follows.
   */
  events(): AsyncIterable<StreamEvent>;
}

export interface StreamHubOptions {
  /**
   * Most bytes of live events one follower may hold for a viewer that is not taking them. A single event larger
   * than this is still delivered: the bound counts only a queue of two or more.
   */
  maxQueuedBytes: number;
}

export interface StreamHub {
  /** Resolves once the live subscription is active, so nothing published afterwards can be missed. */
  follow(completionId: string): Promise<StreamFollower>;
  /**
   * Follows the user's channel. With `lastEventId` its `events()` first replays the user's log after that seq;
   * without, it starts at the seq current when called (live only: nothing older is replayed).
   */
  followUser(userId: string, lastEventId?: number): Promise<UserFollower>;
  /** Reads the log directly (no subscription). */
  readLog(completionId: string, afterSeq: number): Promise<StreamEvent[]>;
  /**
   * A finished completion's log after `afterSeq`, read in one transaction with what says whether the log is
   * whole; undefined once it is not (expired after the replay window, trimmed, or lost with Redis), when the
   * replay must come from Postgres.
   */
  readWholeLog(completionId: string, afterSeq: number): Promise<StreamEvent[] | undefined>;
  /** Whether the completion's whole log still lives in Redis. */
  hasLog(completionId: string): Promise<boolean>;
  /** The seq of the last published chunk (0 when none). */
  currentSeq(completionId: string): Promise<number>;
  /** The seq of the latest `start` chunk: where the current segment of the assistant message begins. */
  segmentStart(completionId: string): Promise<number | undefined>;
  close(): Promise<void>;
}

type Listener = (event: StreamEvent) => void;

function toEvents(entries: [id: string, fields: string[]][]): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const [id, fields] of entries) {
    const seq = Number(id.slice(id.indexOf('-') + 1));
    const type = fields[fields.indexOf('t') + 1];
    const json = fields[fields.indexOf('c') + 1];
    if (type !== undefined && json !== undefined) events.push({ seq, type, json });
  }
  return events;
}

/**
 * Stands for the user events after `lastEventId` and before `resumesAt` that the log no longer holds; its seq
 * defaults to the last of them. Transient: a client refetches `/v1/approvals` and `/v1/completions` instead.
 */
function toGapEvent(lastEventId: number, resumesAt: number, seq = resumesAt - 1): StreamEvent {
  const chunk: UIMessageChunk = { type: 'data-events_gap', data: { lastEventId, resumesAt }, transient: true };
  return { seq, type: chunk.type, json: JSON.stringify(chunk) };
}

export function createStreamHub(redis: Redis, subscriber: Redis, options: StreamHubOptions): StreamHub {
  const listeners = new Map<string, Set<Listener>>();
  const subscriptions = new Map<string, Promise<void>>();

  subscriber.on('message', (channel: string, message: string) => {
    const event = decodeLiveMessage(message);
    if (!event) return;
    for (const listener of listeners.get(channel) ?? []) listener(event);
  });

  async function readLog(completionId: string, afterSeq: number): Promise<StreamEvent[]> {
    return toEvents(await redis.xrange(streamKeys.log(completionId), `(0-${afterSeq}`, '+'));
  }

  /**
   * The user's log after `afterSeq`, read in one transaction with the user's seq: every seq up to it was logged
   * by the same script, so a seq missing between `afterSeq` and the first entry (or the seq) was trimmed away.
   */
  async function readUserLog(userId: string, afterSeq: number): Promise<StreamEvent[]> {
    const results = await redis
      .multi()
      .xrange(streamKeys.userLog(userId), `(0-${afterSeq}`, '+')
      .get(streamKeys.userSeq(userId))
      .exec();
    const [log, seq] = results ?? [];
    if (!log || !seq) throw new Error('user log transaction aborted');
    if (log[0] || seq[0]) throw log[0] ?? seq[0];
    const events = toEvents(log[1] as [string, string[]][]);
    const lastSeq = Number(seq[1] ?? 0);
    const resumesAt = events[0]?.seq ?? lastSeq + 1;
    if (resumesAt > afterSeq + 1) events.unshift(toGapEvent(afterSeq, resumesAt));
    return events;
  }

  /** Resolves once the channel's subscription is active: a second viewer of a channel waits for it too. */
  async function addListener(channel: string, listener: Listener): Promise<void> {
    let set = listeners.get(channel);
    if (!set) {
      set = new Set();
      listeners.set(channel, set);
      subscriptions.set(channel, subscribeWhenReady(subscriber, channel));
    }
    set.add(listener);
    try {
      await subscriptions.get(channel);
    } catch (error) {
      // Leaves the channel as if never followed, so the viewer's retry subscribes afresh.
      await removeListener(channel, listener);
      throw error;
    }
  }

  async function removeListener(channel: string, listener: Listener): Promise<void> {
    const set = listeners.get(channel);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) {
      listeners.delete(channel);
      subscriptions.delete(channel);
      await subscriber.unsubscribe(channel).catch(() => {});
    }
  }

  return {
    readLog,
    async readWholeLog(completionId, afterSeq) {
      const results = await redis
        .multi()
        .xrange(streamKeys.log(completionId), '-', '+', 'COUNT', 1)
        .exists(streamKeys.logLost(completionId))
        .xrange(streamKeys.log(completionId), `(0-${afterSeq}`, '+')
        .exec();
      const [first, lost, log] = results ?? [];
      if (!first || !lost || !log) throw new Error('log transaction aborted');
      if (first[0] || lost[0] || log[0]) throw first[0] ?? lost[0] ?? log[0];
      // The publish script numbers from 1 and never drops seq 1 (the `start`): without it the head is gone.
      const head = toEvents(first[1] as [string, string[]][])[0];
      if (head?.seq !== 1 || lost[1] === 1) return undefined;
      return toEvents(log[1] as [string, string[]][]);
    },
    async hasLog(completionId) {
      const [log, lost] = await Promise.all([
        redis.exists(streamKeys.log(completionId)),
        redis.exists(streamKeys.logLost(completionId)),
      ]);
      return log === 1 && lost === 0;
    },
    async currentSeq(completionId) {
      return Number((await redis.get(streamKeys.seq(completionId))) ?? 0);
    },
    async segmentStart(completionId) {
      const value = await redis.get(streamKeys.segmentStart(completionId));
      return value === null ? undefined : Number(value);
    },
    follow: (completionId) => followChannel(streamKeys.channel(completionId), (after) => readLog(completionId, after)),
    async followUser(userId, lastEventId) {
      // Without Last-Event-ID: the seq before subscribing; the log fills in whatever is published meanwhile.
      const current = async () => Number((await redis.get(streamKeys.userSeq(userId))) ?? 0);
      const startSeq = lastEventId ?? (await current());
      const follower = await followChannel(streamKeys.userChannel(userId), (after) => readUserLog(userId, after));
      return {
        close: follower.close,
        queuedBytes: follower.queuedBytes,
        behind: follower.behind,
        async *events() {
          // A Last-Event-ID beyond the user's seq belongs to a numbering Redis has lost (or to none): the client
          // has seen nothing of this one, so the whole log follows, after a gap event that resets its id to 0.
          if (lastEventId !== undefined && lastEventId > (await current())) {
            yield toGapEvent(lastEventId, 1, 0);
            yield* follower.events(0);
            return;
          }
          yield* follower.events(startSeq);
        },
      };
    },
    async close() {
      listeners.clear();
      subscriptions.clear();
    },
  };

  async function followChannel(
    channel: string,
    readMissed: (afterSeq: number) => Promise<StreamEvent[]>,
  ): Promise<StreamFollower> {
    const queue: { event: StreamEvent; bytes: number }[] = [];
    let queuedBytes = 0;
    let wake: (() => void) | undefined;
    let closed = false;
    const behind = new AbortController();
    const listener: Listener = (event) => {
      const bytes = Buffer.byteLength(event.json);
      queue.push({ event, bytes });
      queuedBytes += bytes;
      if (queue.length > 1 && queuedBytes > options.maxQueuedBytes) {
        // Too far behind to catch up from memory: drop the queue; the Redis log holds every event in it.
        queue.length = 0;
        queuedBytes = 0;
        behind.abort();
        void removeListener(channel, listener);
      }
      wake?.();
    };
    await addListener(channel, listener);

    async function* events(afterSeq: number): AsyncGenerator<StreamEvent> {
      let last = afterSeq;
      const behindError = () => new FellBehindError(`${channel}: more than ${options.maxQueuedBytes} bytes queued`);
      const emitFromLog = async function* () {
        for (const event of await readMissed(last)) {
          // A catch-up from the log is cut short too, or a stalled viewer would be handed all of it at once.
          if (behind.signal.aborted) throw behindError();
          if (event.seq <= last) continue;
          last = event.seq;
          yield event;
        }
      };
      yield* emitFromLog();
      while (!closed) {
        if (behind.signal.aborted) throw behindError();
        const next = queue.shift();
        if (!next) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        queuedBytes -= next.bytes;
        const { event } = next;
        if (event.seq <= last) continue;
        // A live message skipped ahead (dropped during a reconnect): the log has what was missed.
        if (event.seq > last + 1) yield* emitFromLog();
        if (event.seq <= last) continue;
        last = event.seq;
        yield event;
      }
    }

    return {
      events,
      queuedBytes: () => queuedBytes,
      behind: behind.signal,
      async close() {
        if (closed) return;
        closed = true;
        wake?.();
        await removeListener(channel, listener);
      },
    };
  }
}
