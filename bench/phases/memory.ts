/**
 * Resident memory per open stream: the RSS (and V8 heap) of the system's own process after a full GC with N
 * streams open and idle between chunks, minus the same with none — the mean of just before opening and just
 * after closing, because V8 and the allocator return memory to the OS at their own pace and a single "before"
 * drifts. The system's child process settles and measures itself (settled-memory.ts, asked over IPC); the load
 * generator and the model server live in the bench process, so the figure is the server side of a stream only:
 * for Longhaul, the API and the worker together.
 */
import { sleep } from '../clock.js';
import type { SystemChild } from '../system-child.js';
import { openStream, type OpenStream } from '../sse-client.js';
import { round } from '../stats.js';
import type { StreamShape } from '../stream-shape.js';
import type { Target } from '../target.js';

export interface MemoryFigures {
  openStreams: number;
  opened: number;
  rssBeforeMb: number;
  rssOpenMb: number;
  rssAfterCloseMb: number;
  rssPerStreamKb: number;
  heapPerStreamKb: number;
}

const OPEN_WAIT_MS = 45_000;

export async function measureMemory(
  target: Target,
  system: Pick<SystemChild, 'call'>,
  options: { openStreams: number; shape: StreamShape },
): Promise<MemoryFigures> {
  const settledMemory = () => system.call('memory', {});
  await sleep(1_000);
  const before = await settledMemory();
  const streams: { stream: OpenStream; completionId?: string }[] = [];
  let opened = 0;
  let allOpen: () => void = () => {};
  const everyOpen = new Promise<void>((resolve) => (allOpen = resolve));
  for (let i = 0; i < options.openStreams; i += 1) {
    const entry: { stream?: OpenStream; completionId?: string; counted?: boolean } = {};
    entry.stream = openStream(
      target,
      { shape: options.shape, timeoutMs: 120_000 },
      {
        onCompletionId: (id) => (entry.completionId = id),
        onTextDelta: () => {
          if (entry.counted) return;
          entry.counted = true;
          opened += 1;
          if (opened === options.openStreams) allOpen();
        },
      },
    );
    streams.push(entry as { stream: OpenStream; completionId?: string });
  }
  await Promise.race([everyOpen, sleep(OPEN_WAIT_MS)]);
  await sleep(1_000);
  const open = await settledMemory();

  for (const { stream, completionId } of streams) {
    stream.close();
    if (completionId) await target.discard(completionId);
  }
  await Promise.all(streams.map(({ stream }) => stream.result));
  await sleep(1_500);
  const closed = await settledMemory();
  const idle = { rss: (before.rss + closed.rss) / 2, heap: (before.heap + closed.heap) / 2 };
  const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
  const perStreamKb = (bytes: number) => round(bytes / 1024 / Math.max(1, opened), 1);
  return {
    openStreams: options.openStreams,
    opened,
    rssBeforeMb: mb(before.rss),
    rssOpenMb: mb(open.rss),
    rssAfterCloseMb: mb(closed.rss),
    rssPerStreamKb: perStreamKb(open.rss - idle.rss),
    heapPerStreamKb: perStreamKb(open.heap - idle.heap),
  };
}
