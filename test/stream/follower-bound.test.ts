import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { createRedis } from '../../src/runtime/connections.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { createStreamHub, FellBehindError } from '../../src/stream/stream-hub.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
import type { UIMessageChunk } from '../../src/stream/ui-chunks.js';

describe('a follower whose reader stops taking events', () => {
  const redis = createRedis(inject('redisUrl'), 'longhaul-test-follower-bound');
  const subscriber = createRedis(inject('redisUrl'), 'longhaul-test-follower-bound-sub');
  const publisher = createChunkPublisher(redis, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 });
  const hub = createStreamHub(redis, subscriber, { maxQueuedBytes: 1_000 });
  afterAll(async () => {
    await Promise.all([redis.quit(), subscriber.quit()]);
  });

  const delta = (text: string): UIMessageChunk => ({ type: 'text-delta', id: 't', delta: text });
  const subscribers = async (completionId: string) =>
    Number(((await redis.pubsub('NUMSUB', streamKeys.channel(completionId))) as [string, number])[1]);
  async function waitForNoSubscriber(completionId: string) {
    for (let tries = 0; (await subscribers(completionId)) > 0; tries++) {
      if (tries > 100) throw new Error('the channel is still subscribed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('lets go of the live feed past the bound and throws FellBehindError; the log keeps every event', async () => {
    const completionId = `cmp_${randomUUID()}`;
    const follower = await hub.follow(completionId);
    const events = follower.events(0)[Symbol.asyncIterator]();
    await publisher.publish(completionId, delta('first'));
    expect((await events.next()).value?.seq).toBe(1);

    for (let n = 0; n < 4; n++) await publisher.publish(completionId, delta('x'.repeat(400)));
    if (!follower.behind.aborted) await once(follower.behind, 'abort');
    expect(follower.queuedBytes()).toBe(0);
    await waitForNoSubscriber(completionId);
    await expect(events.next()).rejects.toBeInstanceOf(FellBehindError);
    expect((await hub.readLog(completionId, 1)).map((event) => event.seq)).toEqual([2, 3, 4, 5]);
    await follower.close();
  });

  it('still delivers one event larger than the bound to a reader that keeps up', async () => {
    const completionId = `cmp_${randomUUID()}`;
    const follower = await hub.follow(completionId);
    const events = follower.events(0)[Symbol.asyncIterator]();
    const next = events.next();
    await publisher.publish(completionId, delta('y'.repeat(5_000)));
    expect((await next).value?.json).toContain('y'.repeat(5_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(follower.behind.aborted).toBe(false);
    await follower.close();
  });
});
