/**
 * Memory under steady load, over time: `concurrency` answers streaming back to back for `durationMs`, while the
 * system's own process reports `process.memoryUsage()` (RSS, V8 heap, external) and Redis is asked what it holds,
 * every `sampleMs`; then, with no load, on until the replay window of the last completions has passed. What Redis
 * holds for the completions that finished is measured key by key (MEMORY USAGE of each finished completion's
 * keys), so other tenants of the same Redis do not count; its `used_memory` is reported beside it.
 *
 * RSS counts as flat when the median of the last third of the loaded samples is within 10% (and 32 MB) of the
 * median of the middle third: the first third is warm-up (V8 growing its heap, the allocator its arenas).
 */
import { Redis } from 'ioredis';
import { now, sleep } from '../clock.js';
import { runTimed } from '../load.js';
import { round } from '../stats.js';
import type { StreamShape } from '../stream-shape.js';
import type { SystemChild } from '../system-child.js';
import type { Target } from '../target.js';
import { completionKeys } from '../../src/stream/stream-keys.js';

export interface SoakSample {
  atSeconds: number;
  loaded: boolean;
  completionsFinished: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  cachedWorkflows: number | null;
  redisUsedMemoryMb: number;
  /** MEMORY USAGE of every key of the completions finished so far. */
  redisHeldForFinishedKb: number;
  /** How many of those completions still had a key. */
  finishedWithKeys: number;
}

export interface SoakFigures {
  durationSeconds: number;
  concurrency: number;
  shape: StreamShape;
  replayWindowSeconds: number;
  completions: number;
  failures: number;
  chunksLost: number;
  samples: SoakSample[];
  rssStartMb: number;
  rssMaxMb: number;
  rssEndMb: number;
  rssFlat: boolean;
  /** Redis held per finished completion at the end of the load (inside the replay window, for the latest ones). */
  redisBytesPerFinishedUnderLoad: number;
  /** The same once the window had passed after the load. */
  redisBytesPerFinishedAfterWindow: number;
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/**
 * MEMORY USAGE of every key of these completions that Redis still serves. Each key is looked up first: MEMORY
 * USAGE alone also sizes a key whose TTL has run out but which Redis's active expiry has not reclaimed yet, and
 * the lookup reclaims it, as any client's read would.
 */
async function redisHeldFor(redis: Redis, completionIds: string[]): Promise<{ bytes: number; withKeys: number }> {
  const perCompletion = completionKeys('x').length;
  let bytes = 0;
  let withKeys = 0;
  // Pipelined in slices: one round trip per few hundred completions, not per key.
  for (let i = 0; i < completionIds.length; i += 500) {
    const slice = completionIds.slice(i, i + 500);
    const pipeline = redis.pipeline();
    for (const id of slice) for (const key of completionKeys(id)) pipeline.exists(key).memory('USAGE', key);
    const replies = (await pipeline.exec()) ?? [];
    slice.forEach((_, index) => {
      let held = 0;
      for (let k = 0; k < perCompletion; k += 1) {
        const [, size] = replies[(index * perCompletion + k) * 2 + 1] ?? [];
        held += typeof size === 'number' ? size : 0;
      }
      bytes += held;
      if (held > 0) withKeys += 1;
    });
  }
  return { bytes, withKeys };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

export async function measureSoak(
  target: Target,
  system: Pick<SystemChild, 'call'>,
  options: {
    redisUrl: string;
    durationMs: number;
    sampleMs: number;
    concurrency: number;
    shape: StreamShape;
    replayWindowSeconds: number;
    log: (line: string) => void;
  },
): Promise<SoakFigures> {
  const redis = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const finished: string[] = [];
  const samples: SoakSample[] = [];
  const t0 = now();
  let loaded = true;
  const sample = async () => {
    const { usage, cachedWorkflows } = await system.call('memory-usage', {});
    const held = await redisHeldFor(redis, finished);
    const taken: SoakSample = {
      atSeconds: round((now() - t0) / 1000, 1),
      loaded,
      completionsFinished: finished.length,
      rssMb: mb(usage.rss),
      heapUsedMb: mb(usage.heapUsed),
      heapTotalMb: mb(usage.heapTotal),
      externalMb: mb(usage.external),
      arrayBuffersMb: mb(usage.arrayBuffers),
      cachedWorkflows,
      redisUsedMemoryMb: mb(await usedMemory(redis)),
      redisHeldForFinishedKb: round(held.bytes / 1024, 1),
      finishedWithKeys: held.withKeys,
    };
    samples.push(taken);
    options.log(
      `  soak ${taken.atSeconds}s: ${taken.completionsFinished} finished, RSS ${taken.rssMb} MB (heap ${taken.heapUsedMb}/${taken.heapTotalMb}, external ${taken.externalMb}), ${taken.cachedWorkflows ?? '–'} cached workflows, Redis ${taken.redisUsedMemoryMb} MB, held for finished ${taken.redisHeldForFinishedKb} KB (${taken.finishedWithKeys} with keys)`,
    );
    return held;
  };
  try {
    await sample();
    let sampling = Promise.resolve();
    const timer = setInterval(() => {
      sampling = sampling.then(() => sample().then(() => undefined));
    }, options.sampleMs);
    const run = await runTimed(target, {
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      graceMs: 30_000,
      shape: options.shape,
      onResult: (result) => {
        if (result.ok && result.completionId) finished.push(result.completionId);
      },
    });
    clearInterval(timer);
    await sampling;
    const underLoad = await sample();
    loaded = false;
    // Long enough for the last completions' replay window to pass, and Redis to expire their keys.
    const drainUntil = now() + (options.replayWindowSeconds + 15) * 1000;
    while (now() < drainUntil) {
      await sleep(Math.min(options.sampleMs, drainUntil - now()));
      await sample();
    }
    const afterWindow = await redisHeldFor(redis, finished);

    const loadedRss = samples.filter((s) => s.loaded).map((s) => s.rssMb);
    const third = Math.max(1, Math.floor(loadedRss.length / 3));
    const middle = median(loadedRss.slice(third, 2 * third));
    const last = median(loadedRss.slice(-third));
    const results = run.results;
    return {
      durationSeconds: round(options.durationMs / 1000, 0),
      concurrency: options.concurrency,
      shape: options.shape,
      replayWindowSeconds: options.replayWindowSeconds,
      completions: results.filter((r) => r.ok).length,
      failures: results.filter((r) => !r.ok).length,
      chunksLost: results.reduce((sum, r) => sum + (r.ok ? Math.max(0, r.expected - r.received) : 0), 0),
      samples,
      rssStartMb: samples[0]!.rssMb,
      rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
      rssEndMb: samples.at(-1)!.rssMb,
      rssFlat: last - middle <= Math.max(32, middle * 0.1),
      redisBytesPerFinishedUnderLoad: round(underLoad.bytes / Math.max(1, finished.length), 0),
      redisBytesPerFinishedAfterWindow: round(afterWindow.bytes / Math.max(1, finished.length), 0),
    };
  } finally {
    redis.disconnect();
  }
}
