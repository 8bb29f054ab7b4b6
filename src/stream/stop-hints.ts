/**
 * Stop hints: the fast path of Stop. The API records the stop in Postgres, publishes a hint here and asks
 * Temporal to cancel the completion's workflow; the model call streaming that completion cuts its provider
 * stream on the hint at once instead of waiting for Temporal's cancellation to arrive with a heartbeat
 * response. A lost hint costs only speed: Temporal's cancellation still reaches the activity.
 */
import type { Redis } from 'ioredis';
import { streamKeys } from './stream-keys.js';
import { subscribeWhenReady } from './subscribe-when-ready.js';

export async function publishStopHint(redis: Redis, completionId: string): Promise<void> {
  await redis.publish(streamKeys.stopChannel, completionId);
}

export interface StopHints {
  /** Calls `onStop` when a Stop for this completion is announced; returns the function that stops watching. */
  watch(completionId: string, onStop: () => void): () => void;
}

/** One subscription per worker process; `subscriber` must be a Redis connection of its own (subscriber mode). */
export function createStopHints(subscriber: Redis): StopHints {
  const watchers = new Map<string, Set<() => void>>();
  let subscribed: Promise<unknown> | undefined;
  subscriber.on('message', (channel: string, completionId: string) => {
    if (channel !== streamKeys.stopChannel) return;
    for (const onStop of watchers.get(completionId) ?? []) onStop();
  });
  return {
    watch(completionId, onStop) {
      // Subscribing lazily keeps a worker that never streams (tests, tools-only replicas) off the channel.
      subscribed ??= subscribeWhenReady(subscriber, streamKeys.stopChannel).catch(() => {
        subscribed = undefined;
      });
      const set = watchers.get(completionId) ?? new Set();
      set.add(onStop);
      watchers.set(completionId, set);
      return () => {
        set.delete(onStop);
        if (set.size === 0 && watchers.get(completionId) === set) watchers.delete(completionId);
      };
    },
  };
}
