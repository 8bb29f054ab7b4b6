import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, inject } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis } from '../../src/runtime/connections.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { createStopHints, publishStopHint } from '../../src/stream/stop-hints.js';
import { createStreamHub } from '../../src/stream/stream-hub.js';
import { waitFor } from '../support/wait-for.js';

/**
 * ioredis 5 sends its ready check after a SUBSCRIBE issued during the handshake, and a refused ready check
 * reconnects the connection, losing what is published meanwhile (ioredis#2037). Subscribing from the `connect`
 * event lands in that handshake every time; a viewer must still get every chunk over the first connection.
 */
describe('a subscription made while the connection is still in its handshake', () => {
  const redis = createRedis(inject('redisUrl'), 'longhaul-test-handshake');
  const publisher = createChunkPublisher(redis, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 });
  const opened: Redis[] = [];
  afterAll(async () => {
    await Promise.all([redis, ...opened].map((connection) => connection.quit()));
  });

  /** A lost chunk would leave the viewer waiting for ever: fail with what was missing instead. */
  function within<T>(promise: Promise<T>, what: string): Promise<T> {
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not arrive`)), 5_000)),
    ]);
  }

  /** A new connection, with `subscribe` called at its `connect` event; counts its reconnects. */
  function subscribeInHandshake(subscribe: (subscriber: Redis) => Promise<unknown>) {
    const subscriber = createRedis(inject('redisUrl'), `longhaul-test-handshake-sub-${randomUUID()}`);
    opened.push(subscriber);
    const seen = { reconnects: 0 };
    subscriber.on('reconnecting', () => seen.reconnects++);
    const subscribed = new Promise((resolve, reject) =>
      subscriber.once('connect', () => {
        subscribe(subscriber).then(resolve, reject);
      }),
    );
    return { subscribed, seen };
  }

  it('keeps a stream viewer on its connection: every chunk arrives live', async () => {
    const completionId = `cmp_${randomUUID()}`;
    let follower: Awaited<ReturnType<ReturnType<typeof createStreamHub>['follow']>> | undefined;
    const { subscribed, seen } = subscribeInHandshake(async (subscriber) => {
      follower = await createStreamHub(redis, subscriber, { maxQueuedBytes: 1_048_576 }).follow(completionId);
    });
    await subscribed;
    const events = follower!.events(0)[Symbol.asyncIterator]();
    const seqs: number[] = [];
    for (let n = 0; n < 5; n++) {
      await publisher.publish(completionId, { type: 'text-delta', id: 't', delta: `chunk ${n}` });
      seqs.push((await within(events.next(), 'chunk ' + n)).value!.seq);
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(seen.reconnects).toBe(0);
    await follower!.close();
  });

  it('keeps a worker on the stop channel: the first hint arrives', async () => {
    const completionId = `cmp_${randomUUID()}`;
    let stopped = 0;
    const { subscribed, seen } = subscribeInHandshake(async (subscriber) => {
      createStopHints(subscriber).watch(completionId, () => stopped++);
      await waitFor(async () => subscriber.mode === 'subscriber', 5_000, 'subscribed');
    });
    await subscribed;
    await publishStopHint(redis, completionId);
    await waitFor(async () => stopped === 1, 5_000, 'hint delivered');
    expect(seen.reconnects).toBe(0);
  });
});
