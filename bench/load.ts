/**
 * Closed-loop load: `concurrency` clients, each starting its next completion as soon as its previous one ends,
 * bounded by a count or by a deadline (never both unbounded).
 */
import { now } from './clock.js';
import { runStream, type StreamResult } from './sse-client.js';
import type { StreamShape } from './stream-shape.js';
import type { Target } from './target.js';

const STREAM_TIMEOUT_MS = 60_000;

/** Runs `total` completions, `concurrency` at a time. */
export async function runFixed(
  target: Target,
  options: { concurrency: number; total: number; shape: StreamShape },
): Promise<StreamResult[]> {
  const results: StreamResult[] = [];
  let started = 0;
  const client = async () => {
    while (started < options.total) {
      started += 1;
      results.push(await runStream(target, { shape: options.shape, timeoutMs: STREAM_TIMEOUT_MS }));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return results;
}

export interface TimedRun {
  results: StreamResult[];
  startedAt: number;
  deadline: number;
}

/** Keeps `concurrency` completions streaming until `durationMs` has passed; those running then finish. */
export async function runTimed(
  target: Target,
  options: { concurrency: number; durationMs: number; shape: StreamShape },
): Promise<TimedRun> {
  const startedAt = now();
  const deadline = startedAt + options.durationMs;
  const results: StreamResult[] = [];
  const client = async () => {
    while (now() < deadline) results.push(await runStream(target, { shape: options.shape, timeoutMs: STREAM_TIMEOUT_MS }));
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return { results, startedAt, deadline };
}
