import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { createRedis } from '../../src/runtime/connections.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { createStreamHub } from '../../src/stream/stream-hub.js';
import { completionKeys } from '../../src/stream/stream-keys.js';

describe('chunk publisher', () => {
  const redis = createRedis(inject('redisUrl'), 'longhaul-test-publisher');
  const subscriber = createRedis(inject('redisUrl'), 'longhaul-test-publisher-sub');
  const publisher = createChunkPublisher(redis, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 });
  const hub = createStreamHub(redis, subscriber, { maxQueuedBytes: 1_048_576 });
  afterAll(async () => {
    await Promise.all([redis.quit(), subscriber.quit()]);
  });

  it('ends a message at abort: later chunks are dropped until a new segment starts', async () => {
    const id = `cmp_${randomUUID()}`;
    expect(await publisher.publish(id, { type: 'start', messageId: 'm1' })).toBe(1);
    expect(await publisher.publish(id, { type: 'text-start', id: 't' })).toBe(2);
    expect(await publisher.publish(id, { type: 'abort', reason: 'cancelled' })).toBe(3);
    // The workflow's own status and abort, arriving after the model call already ended the message.
    expect(
      await publisher.publish(id, {
        type: 'data-thread_status',
        id: 'status',
        data: { threadId: 'thr', completionId: id, runStatus: 'cancelled' },
        transient: true,
      }),
    ).toBe(0);
    expect(await publisher.publish(id, { type: 'abort', reason: 'cancelled' })).toBe(0);
    expect((await hub.readLog(id, 0)).map((event) => event.type)).toEqual(['start', 'text-start', 'abort']);

    expect(await publisher.publish(id, { type: 'start', messageId: 'm1' })).toBe(4);
    expect(await publisher.publish(id, { type: 'error', errorText: 'boom' })).toBe(5);
    expect(await publisher.publish(id, { type: 'finish' })).toBe(0);
    expect((await hub.readLog(id, 3)).map((event) => event.type)).toEqual(['start', 'error']);
  });

  it('keeps publishing after a finish: a segment paused for approvals continues with its status chunks', async () => {
    const id = `cmp_${randomUUID()}`;
    await publisher.publish(id, { type: 'start', messageId: 'm1' });
    await publisher.publish(id, { type: 'finish' });
    expect(await publisher.publish(id, { type: 'abort', reason: 'cancelled' })).toBe(3);
  });

  /** Each key of the completion that exists, with its TTL in seconds. */
  async function ttls(id: string): Promise<Record<string, number>> {
    const entries = await Promise.all(completionKeys(id).map(async (key) => [key, await redis.ttl(key)] as const));
    return Object.fromEntries(entries.filter(([, ttl]) => ttl !== -2));
  }

  it('keeps every key of a running completion the TTL past its latest event, and a held one longer', async () => {
    const id = `cmp_${randomUUID()}`;
    await publisher.publish(id, { type: 'start', messageId: 'm1' });
    const seq = await publisher.publish(id, { type: 'start-step' });
    await publisher.markStepStart(id, 0, seq);
    await publisher.publish(id, { type: 'abort', reason: 'cancelled' });
    const running = await ttls(id);
    expect(Object.keys(running)).toHaveLength(5);
    for (const ttl of Object.values(running)) expect(ttl).toBeGreaterThan(50);

    // Waiting for an approval that expires in an hour: a decision published meanwhile does not shorten that.
    await publisher.holdLog(id, 3600);
    await publisher.publish(id, { type: 'start', messageId: 'm1' });
    for (const ttl of Object.values(await ttls(id))) expect(ttl).toBeGreaterThan(3600);
  });

  it('publishes a batch in order in one call: seqs, the end of a message and a new segment as one at a time', async () => {
    const id = `cmp_${randomUUID()}`;
    const follower = await hub.follow(id);
    const live = follower.events(0)[Symbol.asyncIterator]();
    const seqs = await publisher.publishMany(id, [
      { type: 'start', messageId: 'm1' },
      { type: 'text-delta', id: 't', delta: 'a' },
      { type: 'abort', reason: 'cancelled' },
      { type: 'text-delta', id: 't', delta: 'dropped' },
      { type: 'start', messageId: 'm1' },
      { type: 'text-delta', id: 't', delta: 'b' },
    ]);
    expect(seqs).toEqual([1, 2, 3, 0, 4, 5]);
    expect(await publisher.publish(id, { type: 'text-delta', id: 't', delta: 'c' })).toBe(6);
    const received: string[] = [];
    for (let n = 0; n < 6; n++) received.push((await live.next()).value!.type);
    expect(received).toEqual(['start', 'text-delta', 'abort', 'start', 'text-delta', 'text-delta']);
    expect((await hub.readLog(id, 0)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await redis.get(completionKeys(id)[2]!)).toBe('4');
    await follower.close();
  });

  it("publishes several completions' chunks in one script run: those of one event-loop turn, and those that wait behind one in flight", async () => {
    const own = createRedis(inject('redisUrl'), 'longhaul-test-publisher-group');
    const grouped = createChunkPublisher(own, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 });
    // The real script command, noting how many completions' publishes each run carried (7 keys each).
    const runs: number[] = [];
    const script = own.longhaulPublish.bind(own);
    own.longhaulPublish = (numKeys, ...rest) => {
      runs.push(numKeys / 7);
      return script(numKeys, ...rest);
    };
    const ids = [0, 1, 2].map(() => `cmp_${randomUUID()}`);
    const sameTurn = Promise.all([
      grouped.publish(ids[0]!, { type: 'start', messageId: 'a' }),
      grouped.publish(ids[1]!, { type: 'start', messageId: 'b' }),
    ]);
    // The run above has left (its turn ended): what this turn publishes waits for it, then goes together.
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([2]);
    const seqs = await Promise.all([
      sameTurn,
      grouped.publishMany(ids[2]!, [
        { type: 'start', messageId: 'c' },
        { type: 'text-delta', id: 't', delta: 'c' },
      ]),
      grouped.publish(ids[0]!, { type: 'text-delta', id: 't', delta: 'a' }),
      grouped.publish(ids[1]!, { type: 'text-delta', id: 't', delta: 'b' }),
    ]);
    expect(runs).toEqual([2, 3]);
    expect(seqs).toEqual([[1, 1], [1, 2], 2, 2]);
    expect((await hub.readLog(ids[0]!, 0)).map((event) => event.type)).toEqual(['start', 'text-delta']);
    expect((await hub.readLog(ids[2]!, 0)).map((event) => event.type)).toEqual(['start', 'text-delta']);

    await own.quit();
    const failed = await Promise.allSettled([
      grouped.publish(ids[0]!, { type: 'finish' }),
      grouped.publish(ids[1]!, { type: 'finish' }),
    ]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it("gives a key created while the log is held the log's life, not only the TTL", async () => {
    const id = `cmp_${randomUUID()}`;
    await publisher.publish(id, { type: 'start', messageId: 'm1' });
    await publisher.holdLog(id, 3600);
    // Both keys are new: the end of the message, and the start of a step's first attempt.
    await publisher.publish(id, { type: 'abort', reason: 'cancelled' });
    await publisher.markStepStart(id, 1, 3);
    const held = await ttls(id);
    expect(Object.keys(held)).toHaveLength(5);
    for (const ttl of Object.values(held)) expect(ttl).toBeGreaterThan(3600);
  });

  it('expires every key of a finished completion after the replay window', async () => {
    const short = createChunkPublisher(redis, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 5 });
    const id = `cmp_${randomUUID()}`;
    await short.publish(id, { type: 'start', messageId: 'm1' });
    await short.markStepStart(id, 0, await short.publish(id, { type: 'start-step' }));
    await short.publish(id, { type: 'error', errorText: 'boom' });
    await short.expireLog(id);
    const finished = await ttls(id);
    expect(Object.keys(finished).sort()).toEqual(
      [
        `lh:completion:${id}:ended`,
        `lh:completion:${id}:log`,
        `lh:completion:${id}:segment`,
        `lh:completion:${id}:seq`,
        `lh:completion:${id}:steps`,
      ].sort(),
    );
    for (const ttl of Object.values(finished)) expect(ttl).toBeLessThanOrEqual(5);
  });
});
