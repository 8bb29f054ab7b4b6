/** The shape of bench/results/*.json: everything one run measured, both systems side by side. */
import type { ProfileSummary } from './cpu-profile.js';
import type { FloorFigures } from './floor/measure.js';
import type { HopSummary } from './hop-tracer.js';
import type { MachineFacts } from './machine.js';
import type { CancelFigures } from './phases/cancel.js';
import type { HistoryPhase } from './phases/history.js';
import type { LatencyFigures } from './phases/latency.js';
import type { MemoryFigures } from './phases/memory.js';
import type { SoakFigures } from './phases/soak.js';
import type { ThroughputFigures } from './phases/throughput.js';
import type { Plan } from './plan.js';
import type { TimelineRow } from './timeline.js';

export interface SystemFigures {
  latency: LatencyFigures[];
  throughput: ThroughputFigures | null;
  cancel: CancelFigures[];
  memory: MemoryFigures[];
  /** Issue 17: the plan's long answers (300 chunks) at c=50. */
  longAnswer?: LatencyFigures;
}

/** A bare one-activity Temporal workflow (temporal-floor.ts) at the shapes of the phases issue 17 sets goals on. */
export interface FloorPhases {
  /** At each latency concurrency: the plan's answer length, the latency phase's completions. */
  latency: FloorFigures[];
  /** At the long-answer phase's answer length, concurrency and completions. */
  longAnswer?: FloorFigures;
  /** The long answers again, each chunk relayed through Redis pub/sub and the turn's messages stored. */
  longAnswerRelayed?: FloorFigures;
  /** Relayed as above, also logged for resuming viewers, the activity heartbeating as Longhaul's model call does. */
  longAnswerResumable?: FloorFigures;
}

export interface GoalResult {
  goal: string;
  target: string;
  measured: string;
  /** The same figure for the floor (the baseline plus a bare Temporal workflow), against the same baseline. */
  floor?: string;
  /** null: the figure is not available yet (e.g. the route does not exist). */
  pass: boolean | null;
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: MachineFacts;
  services: { temporal: string; redis: string; database: string };
  plan: Plan;
  baseline: SystemFigures;
  longhaul: SystemFigures;
  /** Longhaul as `src/server.ts` + `src/worker.ts` (latency and long-answer phases only). */
  production?: SystemFigures;
  /** Absent: not measured (`--soak-only`), or it failed (see notes). */
  floor?: FloorPhases;
  history: HistoryPhase | null;
  /** Longhaul's memory under steady load over time (null: skipped, or it failed; see notes). */
  soak: SoakFigures | null;
  diagnosis: {
    /** A plain completion from request to finish, by concurrency (median over sampled completions). */
    timelines: Record<string, TimelineRow[]>;
    /** Per concurrency of the latency phase. */
    hops: Record<string, HopSummary>;
    modelServer: { requests: number; chunksSent: number; disconnects: number };
    /** With --profile: where the main thread of Longhaul's process spent its latency and long-answer phases. */
    profiles: Record<string, ProfileSummary>;
  };
  goals: GoalResult[];
  notes: string[];
}
