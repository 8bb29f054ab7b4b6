/**
 * Sustained throughput: closed-loop load at increasing concurrency, each level for a fixed time, until p99
 * chunk latency passes the limit. Chunks/s and latency count only chunks received inside the measurement window
 * (after a warm-up, before the deadline), so stream start-up and tail-off do not dilute them.
 */
import { runTimed } from '../load.js';
import { withPhaseLoad, type PhaseLoad, type PhaseMeter } from '../phase-load.js';
import { lostChunks } from '../sse-client.js';
import { round, summarize, type Distribution } from '../stats.js';
import type { StreamShape } from '../stream-shape.js';
import type { Target } from '../target.js';

export interface RampStep {
  concurrency: number;
  chunksPerSecond: number;
  /** Completions that ended inside the window, per second. */
  completionsPerSecond: number;
  chunkLatency: Distribution;
  ttftRaw: Distribution;
  completions: number;
  failed: number;
  /** Sent by the model but never received, over every stream of the step: must be 0. */
  lost: number;
  withinLimit: boolean;
  load: PhaseLoad;
}

export interface ThroughputFigures {
  limitMs: number;
  steps: RampStep[];
  /** The highest chunks/s of a step whose p99 chunk latency stayed within the limit; null when none did. */
  sustained: { concurrency: number; chunksPerSecond: number } | null;
  lost: number;
  stopReason: string;
}

/** A level that delivers this much less than the best so far is past saturation: more load only queues. */
const SATURATION_DROP = 0.9;

export async function rampThroughput(
  target: Target,
  options: {
    levels: number[];
    stepMs: number;
    warmupMs: number;
    graceMs: number;
    limitMs: number;
    shape: StreamShape;
    meter: PhaseMeter;
    log: (line: string) => void;
  },
): Promise<ThroughputFigures> {
  const steps: RampStep[] = [];
  let stopReason = 'all levels within the limit';
  for (const concurrency of options.levels) {
    const { value: run, load } = await withPhaseLoad(options.meter, () =>
      runTimed(target, { concurrency, durationMs: options.stepMs, graceMs: options.graceMs, shape: options.shape }),
    );
    const from = run.startedAt + options.warmupMs;
    const latencies: number[] = [];
    for (const result of run.results) {
      result.receivedAt.forEach((at, i) => {
        if (at >= from && at <= run.deadline) latencies.push(result.latencies[i]!);
      });
    }
    const chunkLatency = summarize(latencies);
    const windowSeconds = (run.deadline - from) / 1000;
    const ended = run.results.filter(
      (r) => r.doneAt !== undefined && r.doneAt >= from && r.doneAt <= run.deadline,
    ).length;
    const best = Math.max(0, ...steps.map((s) => s.chunksPerSecond));
    const step: RampStep = {
      concurrency,
      chunksPerSecond: round(latencies.length / windowSeconds, 0),
      completionsPerSecond: round(ended / windowSeconds, 1),
      chunkLatency,
      ttftRaw: summarize(
        run.results.flatMap((r) => (r.firstDeltaAt === undefined ? [] : [r.firstDeltaAt - r.requestAt])),
      ),
      completions: run.results.length,
      failed: run.results.filter((r) => !r.ok && !r.closedByBench).length,
      lost: run.results.filter((r) => r.status === 200).reduce((sum, r) => sum + lostChunks(r), 0),
      withinLimit: chunkLatency.p99 <= options.limitMs,
      load,
    };
    steps.push(step);
    options.log(
      `  ${target.name} c=${concurrency}: ${step.chunksPerSecond} chunks/s, p99 ${chunkLatency.p99} ms, lost ${step.lost}, failed ${step.failed}, machine CPU ${load.cpu?.machine ?? '?'}%`,
    );
    if (!step.withinLimit) {
      stopReason = `p99 chunk latency passed ${options.limitMs} ms at c=${concurrency}`;
      break;
    }
    if (step.chunksPerSecond < SATURATION_DROP * best) {
      stopReason = `throughput fell at c=${concurrency} (saturated)`;
      break;
    }
  }
  const passing = steps.filter((s) => s.withinLimit);
  const best = passing.reduce<RampStep | undefined>(
    (top, s) => (!top || s.chunksPerSecond > top.chunksPerSecond ? s : top),
    undefined,
  );
  return {
    limitMs: options.limitMs,
    steps,
    sustained: best ? { concurrency: best.concurrency, chunksPerSecond: best.chunksPerSecond } : null,
    lost: steps.reduce((sum, s) => sum + s.lost, 0),
    stopReason,
  };
}
