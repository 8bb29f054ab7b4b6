/**
 * Sustained throughput: closed-loop load at increasing concurrency, each level for a fixed time, until p99
 * chunk latency passes the limit. Chunks/s and latency count only chunks received inside the measurement window
 * (after a warm-up, before the deadline), so stream start-up and tail-off do not dilute them.
 */
import { runTimed } from '../load.js';
import { lostChunks } from '../sse-client.js';
import { round, summarize, type Distribution } from '../stats.js';
import type { StreamShape } from '../stream-shape.js';
import type { Target } from '../target.js';

export interface RampStep {
  concurrency: number;
  chunksPerSecond: number;
  chunkLatency: Distribution;
  ttftRaw: Distribution;
  completions: number;
  failed: number;
  /** Sent by the model but never received, over every stream of the step: must be 0. */
  lost: number;
  withinLimit: boolean;
}

export interface ThroughputFigures {
  limitMs: number;
  steps: RampStep[];
  /** The highest chunks/s of a step whose p99 chunk latency stayed within the limit; null when none did. */
  sustained: { concurrency: number; chunksPerSecond: number } | null;
  lost: number;
}

export async function rampThroughput(
  target: Target,
  options: { levels: number[]; stepMs: number; warmupMs: number; limitMs: number; shape: StreamShape; log: (line: string) => void },
): Promise<ThroughputFigures> {
  const steps: RampStep[] = [];
  for (const concurrency of options.levels) {
    const run = await runTimed(target, { concurrency, durationMs: options.stepMs, shape: options.shape });
    const from = run.startedAt + options.warmupMs;
    const latencies: number[] = [];
    for (const result of run.results) {
      result.receivedAt.forEach((at, i) => {
        if (at >= from && at <= run.deadline) latencies.push(result.latencies[i]!);
      });
    }
    const chunkLatency = summarize(latencies);
    const step: RampStep = {
      concurrency,
      chunksPerSecond: round(latencies.length / ((run.deadline - from) / 1000), 0),
      chunkLatency,
      ttftRaw: summarize(run.results.flatMap((r) => (r.firstDeltaAt === undefined ? [] : [r.firstDeltaAt - r.requestAt]))),
      completions: run.results.length,
      failed: run.results.filter((r) => !r.ok).length,
      lost: run.results.filter((r) => r.status === 200).reduce((sum, r) => sum + lostChunks(r), 0),
      withinLimit: chunkLatency.p99 <= options.limitMs,
    };
    steps.push(step);
    options.log(
      `  ${target.name} c=${concurrency}: ${step.chunksPerSecond} chunks/s, p99 ${chunkLatency.p99} ms, lost ${step.lost}, failed ${step.failed}`,
    );
    if (!step.withinLimit) break;
  }
  const passing = steps.filter((s) => s.withinLimit);
  const best = passing.reduce<RampStep | undefined>((top, s) => (!top || s.chunksPerSecond > top.chunksPerSecond ? s : top), undefined);
  return {
    limitMs: options.limitMs,
    steps,
    sustained: best ? { concurrency: best.concurrency, chunksPerSecond: best.chunksPerSecond } : null,
    lost: steps.reduce((sum, s) => sum + s.lost, 0),
  };
}
