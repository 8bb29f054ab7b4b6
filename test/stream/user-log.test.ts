import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { createRedis } from '../../src/runtime/connections.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import type { StreamEvent } from '../../src/stream/stream-event.js';
import { createStreamHub, type UserFollower } from '../../src/stream/stream-hub.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
import type { UIMessageChunk } from '../../src/stream/ui-chunks.js';

describe('user event log', () => {
  const redis = createRedis(inject('redisUrl'), 'longhaul-test-user-log');
  const subscriber = createRedis(inject('redisUrl'), 'longhaul-test-user-log-sub');
  const publisher = createChunkPublisher(redis, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 });
  const hub = createStreamHub(redis, subscriber, { maxQueuedBytes: 1_048_576 });
  const followers: UserFollower[] = [];
  afterAll(async () => {
    await Promise.all(followers.map((f) => f.close()));
    await Promise.all([redis.quit(), subscriber.quit()]);
  });

  const event = (n: number): UIMessageChunk => ({
    type: 'data-approval_status',
    id: `a-${n}`,
    data: { n },
    transient: true,
  });
  const n = (e: StreamEvent) => (JSON.parse(e.json) as { data: { n: number } }).data.n;

  async function follow(userId: string, lastEventId?: number) {
    const follower = await hub.followUser(userId, lastEventId);
    followers.push(follower);
    const iterator = follower.events()[Symbol.asyncIterator]();
    return {
      async take(count: number): Promise<StreamEvent[]> {
        const taken: StreamEvent[] = [];
        while (taken.length < count) {
          const next = await iterator.next();
          if (next.done) throw new Error('follower ended');
          taken.push(next.value);
        }
        return taken;
      },
    };
  }

  it('replays the log after Last-Event-ID, then live events, each once and in order, while publishes race it', async () => {
    const userId = `usr_${randomUUID()}`;
    for (let i = 1; i <= 5; i++) await publisher.publishToUser(userId, event(i));
    const racing = (async () => {
      for (let i = 6; i <= 40; i++) await publisher.publishToUser(userId, event(i));
    })();
    const follower = await follow(userId, 3);
    const events = await follower.take(37);
    await racing;
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 37 }, (_, i) => i + 4));
    expect(events.map(n)).toEqual(Array.from({ length: 37 }, (_, i) => i + 4));
    expect(events.every((e) => e.type === 'data-approval_status')).toBe(true);
  });

  it('starts live only without Last-Event-ID', async () => {
    const userId = `usr_${randomUUID()}`;
    for (let i = 1; i <= 3; i++) await publisher.publishToUser(userId, event(i));
    const follower = await follow(userId);
    await publisher.publishToUser(userId, event(4));
    expect((await follower.take(1)).map((e) => e.seq)).toEqual([4]);
  });

  it('keeps the log bounded in length and time, and stands a data-events_gap event in for what it dropped', async () => {
    const userId = `usr_${randomUUID()}`;
    const small = createChunkPublisher(redis, { maxLen: 10, ttlSeconds: 30, replayWindowSeconds: 30 });
    for (let i = 1; i <= 500; i++) await small.publishToUser(userId, event(i));

    // MAXLEN ~ trims whole stream nodes (at most stream-node-max-entries, 100 by default, each).
    const length = await redis.xlen(streamKeys.userLog(userId));
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThanOrEqual(110);
    const ttl = await redis.ttl(streamKeys.userLog(userId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
    // The seq outlives the log: a reset would make clients skip new events as already seen.
    expect(await redis.ttl(streamKeys.userSeq(userId))).toBe(-1);

    const first = 501 - length;
    const trimmed = await follow(userId, 2);
    const [gap, ...rest] = await trimmed.take(length + 1);
    expect(gap).toEqual({
      seq: first - 1,
      type: 'data-events_gap',
      json: JSON.stringify({ type: 'data-events_gap', data: { lastEventId: 2, resumesAt: first }, transient: true }),
    });
    expect(rest.map((e) => e.seq)).toEqual(Array.from({ length }, (_, i) => first + i));

    // The log expired; the seq did not.
    await redis.del(streamKeys.userLog(userId));
    const upToDate = await follow(userId, 500);
    const behind = await follow(userId, 495);
    await small.publishToUser(userId, event(501));
    expect((await upToDate.take(1)).map((e) => [e.seq, e.type])).toEqual([[501, 'data-approval_status']]);
    const [expiredGap, live] = await behind.take(2);
    expect(expiredGap?.seq).toBe(500);
    expect(JSON.parse(expiredGap!.json)).toEqual({
      type: 'data-events_gap',
      data: { lastEventId: 495, resumesAt: 501 },
      transient: true,
    });
    expect(live?.seq).toBe(501);
  });

  it('treats a Last-Event-ID ahead of the user seq as a lost numbering: a gap with id 0, then the whole log', async () => {
    const userId = `usr_${randomUUID()}`;
    for (let i = 1; i <= 3; i++) await publisher.publishToUser(userId, event(i));
    const follower = await follow(userId, 99);
    const [gap, ...replayed] = await follower.take(4);
    expect(gap?.seq).toBe(0);
    expect(JSON.parse(gap!.json)).toMatchObject({ type: 'data-events_gap', data: { lastEventId: 99, resumesAt: 1 } });
    expect(replayed.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
