/**
 * What a run does: the full run, or `--quick` (same phases and concurrencies, fewer completions and shorter
 * ramp steps and soak). Every loop in the bench is bounded by these numbers, the soak by its duration.
 */
import type { StreamShape } from './stream-shape.js';

export interface Plan {
  mode: 'quick' | 'full';
  /** `--label=<name>`: an experiment (another Temporal config, a branch); it does not replace latest.*. */
  label?: string;
  /** `--profile`: CPU-profile Longhaul's process during its latency phases at c=10 and c=50 and its long answers. */
  profile: boolean;
  concurrencies: number[];
  /** Completions per concurrency in the latency phase. */
  latencyCompletions: Record<number, number>;
  warmupCompletions: number;
  /** Cancel rounds per concurrency (each round cancels `concurrency` streams). */
  cancelRounds: Record<number, number>;
  rampLevels: number[];
  rampStepMs: number;
  rampWarmupMs: number;
  /** How long after a level's deadline its last streams may run before they are hung up on. */
  rampGraceMs: number;
  chunkLatencyLimitMs: number;
  memoryOpenStreams: number[];
  oneTurnHistories: number;
  /** Completions per concurrency whose histories make the diagnosis timeline. */
  timelineSamples: number;
  longThreads: number;
  priorTurns: number;
  /** The answer every latency and throughput completion streams: 50 chunks, 20 ms apart (50 chunks/s each). */
  shape: StreamShape;
  /** Long enough to still be running when the cancel arrives. */
  cancelShape: StreamShape;
  /** Open and mostly idle: one chunk a second. */
  memoryShape: StreamShape;
  /** `--soak-only`: warm-up, the open-streams memory phase and the soak, nothing else (to try the soak alone). */
  soakOnly: boolean;
  /** `--floor-only`: the Temporal floor's phases, nothing else (to try them alone). */
  floorOnly: boolean;
  /** `--long-only`: warm-up and every system's long answers, nothing else (to try a CPU change in minutes). */
  longOnly: boolean;
  /** Steady load on Longhaul while its memory is sampled (`--soak-minutes=<n>`; 0 skips the soak). */
  soakMs: number;
  soakSampleMs: number;
  soakConcurrency: number;
  /** What each soak completion streams: 300 chunks, about six seconds. */
  soakShape: StreamShape;
  /** Long answers at high concurrency (issue 17): every system, production topology included. */
  longAnswer: { shape: StreamShape; concurrency: number; completions: number };
}

const common = {
  concurrencies: [1, 10, 50],
  chunkLatencyLimitMs: 50,
  rampGraceMs: 3_000,
  priorTurns: 199,
  shape: { chunks: 50, delayMs: 20, firstDelayMs: 20 },
  cancelShape: { chunks: 1_000, delayMs: 20, firstDelayMs: 20 },
  memoryShape: { chunks: 90, delayMs: 1_000, firstDelayMs: 0 },
  soakSampleMs: 5_000,
  soakConcurrency: 50,
  soakShape: { chunks: 300, delayMs: 20, firstDelayMs: 20 },
};

/** 300 chunks 20 ms apart: six seconds of answer, so per-chunk work outweighs the start. */
const LONG_ANSWER_SHAPE = { chunks: 300, delayMs: 20, firstDelayMs: 20 };

const quick: Omit<Plan, 'profile' | 'soakOnly' | 'floorOnly' | 'longOnly'> = {
  ...common,
  mode: 'quick',
  latencyCompletions: { 1: 6, 10: 20, 50: 50 },
  warmupCompletions: 10,
  cancelRounds: { 1: 3, 10: 1, 50: 1 },
  rampLevels: [10, 25, 50, 100],
  rampStepMs: 4_000,
  rampWarmupMs: 1_000,
  memoryOpenStreams: [50],
  soakMs: 60_000,
  oneTurnHistories: 3,
  timelineSamples: 6,
  longThreads: 1,
  longAnswer: { shape: LONG_ANSWER_SHAPE, concurrency: 50, completions: 50 },
};

const full: Omit<Plan, 'profile' | 'soakOnly' | 'floorOnly' | 'longOnly'> = {
  ...common,
  mode: 'full',
  latencyCompletions: { 1: 40, 10: 200, 50: 500 },
  warmupCompletions: 50,
  cancelRounds: { 1: 20, 10: 3, 50: 2 },
  rampLevels: [10, 25, 50, 75, 100, 150, 200],
  rampStepMs: 10_000,
  rampWarmupMs: 2_000,
  memoryOpenStreams: [25, 50, 100],
  soakMs: 10 * 60_000,
  oneTurnHistories: 10,
  timelineSamples: 20,
  longThreads: 3,
  longAnswer: { shape: LONG_ANSWER_SHAPE, concurrency: 50, completions: 200 },
};

const LABEL_PATTERN = /^--label=([A-Za-z0-9._-]{1,40})$/;
const SOAK_MINUTES_PATTERN = /^--soak-minutes=(\d{1,3}(?:\.\d+)?)$/;
const FLAGS = ['--quick', '--profile', '--soak-only', '--floor-only', '--long-only'];

export function planFor(args: readonly string[]): Plan {
  const unknown = args.filter(
    (arg) => !FLAGS.includes(arg) && !LABEL_PATTERN.test(arg) && !SOAK_MINUTES_PATTERN.test(arg),
  );
  if (unknown.length > 0) {
    throw new Error(
      `unknown argument(s): ${unknown.join(' ')}; usage: npm run bench [-- --quick] [--profile] [--label=<name>] [--soak-only] [--floor-only] [--long-only] [--soak-minutes=<n>]`,
    );
  }
  const label = args.map((arg) => LABEL_PATTERN.exec(arg)?.[1]).find((value) => value !== undefined);
  const soakMinutes = args.map((arg) => SOAK_MINUTES_PATTERN.exec(arg)?.[1]).find((value) => value !== undefined);
  const base = args.includes('--quick') ? quick : full;
  return {
    ...base,
    profile: args.includes('--profile'),
    soakOnly: args.includes('--soak-only'),
    floorOnly: args.includes('--floor-only'),
    longOnly: args.includes('--long-only'),
    ...(soakMinutes !== undefined ? { soakMs: Math.round(Number(soakMinutes) * 60_000) } : {}),
    ...(label ? { label } : {}),
  };
}
