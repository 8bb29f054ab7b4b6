import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { createRedis } from '../../src/runtime/connections.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { createStreamHub } from '../../src/stream/stream-hub.js';

describe('chunk publisher', () => {
  const redis = createRedis(inject('redisUrl'), 'longhaul-test-publisher');
  const subscriber = createRedis(inject('redisUrl'), 'longhaul-test-publisher-sub');
  const publisher = createChunkPublisher(redis, { maxLen: 1_000, ttlSeconds: 60 });
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
});
