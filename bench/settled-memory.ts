/**
 * This process's memory after a full GC: the median (by RSS) of three samples, because V8 and the allocator
 * return memory to the OS at their own pace and one sample can catch them halfway.
 */
import { sleep } from './clock.js';
import { forceGc } from './force-gc.js';

export interface SettledMemory {
  rss: number;
  heap: number;
}

export async function settledMemory(): Promise<SettledMemory> {
  const samples: SettledMemory[] = [];
  for (let i = 0; i < 3; i += 1) {
    forceGc();
    await sleep(150);
    const usage = process.memoryUsage();
    samples.push({ rss: usage.rss, heap: usage.heapUsed });
  }
  samples.sort((a, b) => a.rss - b.rss);
  return samples[1]!;
}
