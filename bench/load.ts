/**
 * Closed-loop load: `concurrency` clients, each starting its next completion as soon as its previous one ends,
 * bounded by a count or by a deadline (never both unbounded).
 */
import { now } from './clock.js';
import { closedLoop } from './closed-loop.js';
import { openStream, runStream, type OpenStream, type StreamResult } from './sse-client.js';
import type { StreamShape } from './stream-shape.js';
import type { Target } from './target.js';

const STREAM_TIMEOUT_MS = 60_000;

/** Runs `total` completions, `concurrency` at a time. */
export async function runFixed(
  target: Target,
  options: { concurrency: number; total: number; shape: StreamShape },
): Promise<StreamResult[]> {
  return closedLoop(options.concurrency, options.total, () =>
    runStream(target, { shape: options.shape, timeoutMs: STREAM_TIMEOUT_MS }),
  );
}

export interface TimedRun {
  results: StreamResult[];
  startedAt: number;
  deadline: number;
}

/**
 * Keeps `concurrency` completions streaming until `durationMs` has passed. Streams still running `graceMs`
 * after the deadline are hung up on and discarded (Longhaul: workflow terminated), so an overloaded level
 * cannot stretch the run or leak work into the next level.
 */
export async function runTimed(
  target: Target,
  options: {
    concurrency: number;
    durationMs: number;
    graceMs: number;
    shape: StreamShape;
    /** Each stream's result as it ends (a soak samples what finished so far). */
    onResult?: (result: StreamResult) => void;
  },
): Promise<TimedRun> {
  const startedAt = now();
  const deadline = startedAt + options.durationMs;
  const results: StreamResult[] = [];
  const running = new Set<{ stream: OpenStream; completionId?: string }>();
  const discards: Promise<void>[] = [];
  const client = async () => {
    while (now() < deadline) {
      const entry: { stream?: OpenStream; completionId?: string } = {};
      entry.stream = openStream(
        target,
        { shape: options.shape, timeoutMs: STREAM_TIMEOUT_MS },
        { onCompletionId: (id) => (entry.completionId = id) },
      );
      const tracked = entry as { stream: OpenStream; completionId?: string };
      running.add(tracked);
      const result = await tracked.stream.result;
      results.push(result);
      options.onResult?.(result);
      running.delete(tracked);
    }
  };
  const cut = setTimeout(() => {
    for (const { stream, completionId } of running) {
      stream.close();
      if (completionId) discards.push(target.discard(completionId));
    }
  }, options.durationMs + options.graceMs);
  await Promise.all(Array.from({ length: options.concurrency }, client));
  clearTimeout(cut);
  await Promise.all(discards);
  return { results, startedAt, deadline };
}
