/**
 * Follows one completion's chunks for an SSE response: replays the Redis Stream log after a seq, then the live
 * pub/sub feed, with no gap and no duplicate. One subscriber connection per process is shared by every viewer;
 * a channel is unsubscribed when its last viewer goes away, so idle viewers cost Temporal nothing and Redis
 * one channel each.
 */
import type { Redis } from 'ioredis';
import { streamKeys } from './stream-keys.js';
import { decodeLiveMessage, type StreamEvent } from './stream-event.js';

export interface StreamFollower {
  /** Yields events with seq > afterSeq in order; ends only when `close()` is called. */
  events(afterSeq: number): AsyncIterable<StreamEvent>;
  close(): Promise<void>;
}

export interface StreamHub {
  /** Resolves once the live subscription is active, so nothing published afterwards can be missed. */
  follow(completionId: string): Promise<StreamFollower>;
  /** Follows the user's live channel (no log: events before the subscription are not replayed). */
  followUser(userId: string): Promise<StreamFollower>;
  /** Reads the log directly (no subscription): for finished completions. */
  readLog(completionId: string, afterSeq: number): Promise<StreamEvent[]>;
  /** Whether the completion's whole log still lives in Redis. */
  hasLog(completionId: string): Promise<boolean>;
  /** The seq of the last published chunk (0 when none). */
  currentSeq(completionId: string): Promise<number>;
  /** The seq of the latest `start` chunk: where the current segment of the assistant message begins. */
  segmentStart(completionId: string): Promise<number | undefined>;
  close(): Promise<void>;
}

type Listener = (event: StreamEvent) => void;

export function createStreamHub(redis: Redis, subscriber: Redis): StreamHub {
  const listeners = new Map<string, Set<Listener>>();

  subscriber.on('message', (channel: string, message: string) => {
    const event = decodeLiveMessage(message);
    if (!event) return;
    for (const listener of listeners.get(channel) ?? []) listener(event);
  });

  async function readLog(completionId: string, afterSeq: number): Promise<StreamEvent[]> {
    const entries = await redis.xrange(streamKeys.log(completionId), `(0-${afterSeq}`, '+');
    const events: StreamEvent[] = [];
    for (const [id, fields] of entries) {
      const seq = Number(id.slice(id.indexOf('-') + 1));
      const type = fields[fields.indexOf('t') + 1];
      const json = fields[fields.indexOf('c') + 1];
      if (type !== undefined && json !== undefined) events.push({ seq, type, json });
    }
    return events;
  }

  async function addListener(channel: string, listener: Listener): Promise<void> {
    let set = listeners.get(channel);
    if (!set) {
      set = new Set();
      listeners.set(channel, set);
    }
    set.add(listener);
    if (set.size === 1) await subscriber.subscribe(channel);
  }

  async function removeListener(channel: string, listener: Listener): Promise<void> {
    const set = listeners.get(channel);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) {
      listeners.delete(channel);
      await subscriber.unsubscribe(channel).catch(() => {});
    }
  }

  return {
    readLog,
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
    followUser: (userId) => followChannel(streamKeys.userChannel(userId), async () => []),
    async close() {
      listeners.clear();
    },
  };

  async function followChannel(
    channel: string,
    readMissed: (afterSeq: number) => Promise<StreamEvent[]>,
  ): Promise<StreamFollower> {
    const queue: StreamEvent[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const listener: Listener = (event) => {
      queue.push(event);
      wake?.();
    };
    await addListener(channel, listener);

    async function* events(afterSeq: number): AsyncGenerator<StreamEvent> {
      let last = afterSeq;
      const emitFromLog = async function* () {
        for (const event of await readMissed(last)) {
          if (event.seq <= last) continue;
          last = event.seq;
          yield event;
        }
      };
      yield* emitFromLog();
      while (!closed) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
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
      async close() {
        if (closed) return;
        closed = true;
        wake?.();
        await removeListener(channel, listener);
      },
    };
  }
}
