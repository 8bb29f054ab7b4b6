import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { createRedis } from '../../src/runtime/connections.js';
import { createChunkBatcher } from '../../src/stream/chunk-batcher.js';
import { createChunkPublisher, type ChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { createStreamHub } from '../../src/stream/stream-hub.js';
import type { UIMessageChunk } from '../../src/stream/ui-chunks.js';

describe('chunk batcher', () => {
  const redis = createRedis(inject('redisUrl'), 'longhaul-test-batcher');
  const subscriber = createRedis(inject('redisUrl'), 'longhaul-test-batcher-sub');
  const publisher = createChunkPublisher(redis, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 });
  const hub = createStreamHub(redis, subscriber, { maxQueuedBytes: 1_048_576 });
  afterAll(async () => {
    await Promise.all([redis.quit(), subscriber.quit()]);
  });

  /** The real publisher, noting how many chunks each script run carried. */
  function countingRuns(target: ChunkPublisher = publisher) {
    const runs: number[] = [];
    const counted = {
      publishMany: (completionId: string, chunks: readonly UIMessageChunk[]) => {
        runs.push(chunks.length);
        return target.publishMany(completionId, chunks);
      },
    };
    return { runs, counted };
  }
  const delta = (n: number): UIMessageChunk => ({ type: 'text-delta', id: 't', delta: `d${n}` });
  const deltasIn = async (id: string) =>
    (await hub.readLog(id, 0)).map((event) => (JSON.parse(event.json) as { delta: string }).delta);

  it('sends the first chunk at once and the ones queued meanwhile together, in order', async () => {
    const id = `cmp_${randomUUID()}`;
    const { runs, counted } = countingRuns();
    const batcher = createChunkBatcher(counted, id);
    const follower = await hub.follow(id);
    const live = follower.events(0)[Symbol.asyncIterator]();
    for (let n = 0; n < 10; n++) void batcher.publish(delta(n));
    await batcher.flushed();
    expect(runs).toEqual([1, 9]);
    const expected = Array.from({ length: 10 }, (_, n) => `d${n}`);
    expect(await deltasIn(id)).toEqual(expected);
    const seen: number[] = [];
    for (let n = 0; n < 10; n++) seen.push((await live.next()).value!.seq);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, n) => n + 1));
    await follower.close();
  });

  it('sends each chunk of an idle stream on its own', async () => {
    const id = `cmp_${randomUUID()}`;
    const { runs, counted } = countingRuns();
    const batcher = createChunkBatcher(counted, id);
    for (let n = 0; n < 3; n++) {
      await batcher.publish(delta(n));
      await batcher.flushed();
    }
    expect(runs).toEqual([1, 1, 1]);
  });

  it('waits while a full batch is queued, and never sends more than one batch at a time', async () => {
    const id = `cmp_${randomUUID()}`;
    const { runs, counted } = countingRuns();
    const batcher = createChunkBatcher(counted, id);
    for (let n = 0; n < 200; n++) await batcher.publish(delta(n));
    await batcher.flushed();
    expect(runs.reduce((sum, size) => sum + size, 0)).toBe(200);
    expect(Math.max(...runs)).toBeLessThanOrEqual(64);
    expect(await deltasIn(id)).toEqual(Array.from({ length: 200 }, (_, n) => `d${n}`));
  });

  it('reports a failed publish and sends nothing after it', async () => {
    const id = `cmp_${randomUUID()}`;
    const closing = createRedis(inject('redisUrl'), 'longhaul-test-batcher-closing');
    const { runs, counted } = countingRuns(
      createChunkPublisher(closing, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 }),
    );
    const batcher = createChunkBatcher(counted, id);
    await batcher.publish(delta(0));
    await batcher.flushed();
    await closing.quit();
    void batcher.publish(delta(1)).catch(() => {});
    await expect(batcher.flushed()).rejects.toThrow(/closed/i);
    await expect(batcher.publish(delta(2))).rejects.toThrow(/closed/i);
    expect(runs).toEqual([1, 1]);
    expect(await deltasIn(id)).toEqual(['d0']);
  });
});
