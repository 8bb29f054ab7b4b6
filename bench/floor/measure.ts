/**
 * The floor's phases, measured in the process that runs the bare turns: CPU of this process (client and worker)
 * and of the Temporal server over each phase (and of Redis and of Postgres's backends of `database`, which a
 * relaying level uses), read from /proc as the bench reads every process's, and the time
 * from `start()` to the activity running, the least a first token can wait on Temporal.
 */
import type { CpuShares } from '../cpu-meter.js';
import { createCpuMeter } from '../cpu-meter.js';
import { summarize, type Distribution } from '../stats.js';
import type { BareTurns } from './bare-turns.js';

export interface FloorLevel {
  /** How long the activity runs: as long as the bench's answer of the same phase streams. */
  answerMs: number;
  concurrency: number;
  completions: number;
  /** Relay this many chunks per turn through Redis and store the turn's messages (floor/relay.ts). */
  relayChunks?: number;
  /** With `relayChunks`: also log each chunk for resuming viewers, and heartbeat (floor/activities.ts). */
  resumable?: boolean;
}

export interface FloorFigures extends FloorLevel {
  durationMs: number;
  /** `load process` is the floor's own process here: client and worker. */
  cpu: CpuShares | undefined;
  startToActivity: Distribution;
}

/** JIT, the worker's workflow context, the server's caches: short activities, the start path is what warms. */
const WARMUP = { answerMs: 100, concurrency: 5, completions: 20, relayChunks: 10 };

export async function measureFloorLevels(
  turns: BareTurns,
  temporalAddress: string,
  levels: readonly FloorLevel[],
  database = 'none',
): Promise<FloorFigures[]> {
  const meter = createCpuMeter(temporalAddress.split(':').at(-1) ?? '7233', {}, database);
  await turns.closedLoop(WARMUP.answerMs, WARMUP.concurrency, WARMUP.completions);
  // Each kind of relaying turn the levels run is warmed once.
  for (const resumable of [false, true]) {
    if (!levels.some((level) => level.relayChunks !== undefined && (level.resumable ?? false) === resumable)) continue;
    const relay = { chunks: WARMUP.relayChunks, resumable };
    await turns.closedLoop(WARMUP.answerMs, WARMUP.concurrency, WARMUP.completions, relay);
  }
  const figures: FloorFigures[] = [];
  for (const level of levels) {
    const stopCpu = meter.start();
    const startedAt = performance.now();
    const relay =
      level.relayChunks === undefined ? undefined : { chunks: level.relayChunks, resumable: level.resumable ?? false };
    const waits = await turns.closedLoop(level.answerMs, level.concurrency, level.completions, relay);
    const cpu = stopCpu();
    figures.push({
      ...level,
      durationMs: Math.round(performance.now() - startedAt),
      cpu,
      startToActivity: summarize(waits),
    });
  }
  return figures;
}
