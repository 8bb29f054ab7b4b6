/**
 * Temporal history per completion, for a 1-turn thread and a 200-turn thread: the durability cost must not grow
 * with the transcript (workflow inputs and activity results are ids and summaries, never text).
 */
import { randomUUID } from 'node:crypto';
import type { LonghaulRemote } from '../longhaul-remote.js';
import { runStream, type StreamResult } from '../sse-client.js';
import { summarize, type Distribution } from '../stats.js';
import type { StreamShape } from '../stream-shape.js';
import { seedThread } from '../seed-thread.js';
import { readHistory, type HistoryFigures } from '../workflow-history.js';

export interface HistorySample {
  completionId: string;
  status: string;
  events: number;
  bytes: number | undefined;
}

export interface HistoryPhase {
  priorTurns: number;
  oneTurn: HistorySample[];
  longThread: HistorySample[];
  /** Worst sample of each kind: the goal is a ceiling. */
  worst: { oneTurn: { events: number; bytes: number }; longThread: { events: number; bytes: number } };
  /** Raw time to first token on the long thread (the transcript load is in the worker's path). */
  longThreadTtftRaw: Distribution;
  /** Event sequence of one plain completion, for the report. */
  eventNames: string[];
}

const sample = (completionId: string, figures: HistoryFigures): HistorySample => ({
  completionId,
  status: figures.status,
  events: figures.events,
  bytes: figures.bytes,
});

const worst = (samples: HistorySample[]) => ({
  events: Math.max(0, ...samples.map((s) => s.events)),
  bytes: Math.max(0, ...samples.map((s) => s.bytes ?? 0)),
});

export async function measureHistory(
  system: LonghaulRemote,
  options: { oneTurnCompletions: string[]; longThreads: number; priorTurns: number; shape: StreamShape },
): Promise<{ phase: HistoryPhase; oneTurnHistories: Map<string, HistoryFigures> }> {
  const oneTurnHistories = new Map<string, HistoryFigures>();
  for (const id of options.oneTurnCompletions) oneTurnHistories.set(id, await readHistory(system.temporal, id));

  const longResults: StreamResult[] = [];
  const longThread: HistorySample[] = [];
  for (let i = 0; i < options.longThreads; i += 1) {
    const threadId = `bench-long-${randomUUID()}`;
    await seedThread(system.pool, { threadId, userId: system.userId, priorTurns: options.priorTurns });
    const result = await runStream(system.target, { shape: options.shape, threadId, timeoutMs: 60_000 });
    longResults.push(result);
    if (!result.completionId)
      throw new Error(`200-turn completion did not start: ${result.error ?? `HTTP ${result.status}`}`);
    longThread.push(sample(result.completionId, await readHistory(system.temporal, result.completionId)));
  }

  const oneTurn = [...oneTurnHistories].map(([id, figures]) => sample(id, figures));
  return {
    phase: {
      priorTurns: options.priorTurns,
      oneTurn,
      longThread,
      worst: { oneTurn: worst(oneTurn), longThread: worst(longThread) },
      longThreadTtftRaw: summarize(longResults.flatMap((r) => (r.firstDeltaAt ? [r.firstDeltaAt - r.requestAt] : []))),
      eventNames: [...oneTurnHistories.values()][0]?.timeline.map((e) => e.name) ?? [],
    },
    oneTurnHistories,
  };
}
