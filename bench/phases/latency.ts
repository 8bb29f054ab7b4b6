/**
 * Time to first token (minus the model's own first-token delay) and chunk latency at one concurrency: a fixed
 * number of completions, closed loop.
 */
import { runFixed } from '../load.js';
import { withPhaseLoad, type PhaseLoad, type PhaseMeter } from '../phase-load.js';
import { lostChunks, type StreamResult } from '../sse-client.js';
import { summarize, type Distribution } from '../stats.js';
import type { StreamShape } from '../stream-shape.js';
import type { Target } from '../target.js';

export interface LatencyFigures {
  concurrency: number;
  completions: number;
  failed: number;
  lost: number;
  /** Client first text chunk − request sent − (model's first emit − model's request arrival). */
  ttftOverhead: Distribution;
  /** Client first text chunk − request sent. */
  ttftRaw: Distribution;
  /** Client receive − model emit, every text chunk. */
  chunkLatency: Distribution;
  /** Since the request was sent: response headers, `start` chunk, model request arrival. */
  phases: { headers: Distribution; startChunk: Distribution; modelRequest: Distribution };
  errors: string[];
  load?: PhaseLoad;
}

export function latencyFigures(concurrency: number, results: StreamResult[]): LatencyFigures {
  const streamed = results.filter((r) => r.firstDeltaAt !== undefined && r.modelRequestAt !== undefined);
  const since = (pick: (r: StreamResult) => number | undefined) =>
    summarize(results.flatMap((r) => (pick(r) === undefined ? [] : [pick(r)! - r.requestAt])));
  return {
    concurrency,
    completions: results.length,
    failed: results.filter((r) => !r.ok && !r.closedByBench).length,
    lost: results.filter((r) => r.status === 200).reduce((sum, r) => sum + lostChunks(r), 0),
    ttftOverhead: summarize(streamed.map((r) => r.firstDeltaAt! - r.requestAt - (r.firstEmitAt! - r.modelRequestAt!))),
    ttftRaw: summarize(streamed.map((r) => r.firstDeltaAt! - r.requestAt)),
    chunkLatency: summarize(results.flatMap((r) => r.latencies)),
    phases: {
      headers: since((r) => r.headersAt),
      startChunk: since((r) => r.startAt),
      modelRequest: since((r) => r.modelRequestAt),
    },
    errors: [...new Set(results.flatMap((r) => (r.error ? [r.error.slice(0, 200)] : [])))].slice(0, 3),
  };
}

export async function measureLatency(
  target: Target,
  options: { concurrency: number; total: number; shape: StreamShape; meter: PhaseMeter },
): Promise<{ figures: LatencyFigures; results: StreamResult[] }> {
  const { value: results, load } = await withPhaseLoad(options.meter, () => runFixed(target, options));
  return { figures: { ...latencyFigures(options.concurrency, results), load }, results };
}
