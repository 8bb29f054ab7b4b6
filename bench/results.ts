/** The shape of bench/results/*.json: everything one run measured, both systems side by side. */
import type { HopSummary } from './hop-tracer.js';
import type { MachineFacts } from './machine.js';
import type { CancelFigures } from './phases/cancel.js';
import type { HistoryPhase } from './phases/history.js';
import type { LatencyFigures } from './phases/latency.js';
import type { MemoryFigures } from './phases/memory.js';
import type { ThroughputFigures } from './phases/throughput.js';
import type { Plan } from './plan.js';
import type { TimelineRow } from './timeline.js';

export interface SystemFigures {
  latency: LatencyFigures[];
  throughput: ThroughputFigures | null;
  cancel: CancelFigures[];
  memory: MemoryFigures[];
}

export interface GoalResult {
  goal: string;
  target: string;
  measured: string;
  /** null: the figure is not available yet (e.g. the route does not exist). */
  pass: boolean | null;
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: MachineFacts;
  plan: Plan;
  baseline: SystemFigures;
  longhaul: SystemFigures;
  history: HistoryPhase | null;
  diagnosis: {
    /** One plain completion at concurrency 1, from request to finish. */
    timeline: TimelineRow[];
    /** Per concurrency of the latency phase. */
    hops: Record<string, HopSummary>;
    modelServer: { requests: number; chunksSent: number; disconnects: number };
  };
  goals: GoalResult[];
  notes: string[];
}
