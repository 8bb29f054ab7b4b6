/**
 * The floor under issue 17's goals, measured: what a bare one-activity Temporal workflow costs per completion
 * (floor/bare-turns.ts), CPU of client + worker and of the Temporal server, and start() → activity running.
 *
 * Standalone, `node --import tsx bench/temporal-floor.ts [answerMs] [c:completions,...]` prints a table; the
 * defaults are the full bench's latency phase, its long-answer phase is `6000 50:200`. The bench (phases/floor.ts)
 * starts this same file as a child process with its phases in LONGHAUL_BENCH_FLOOR and takes the figures over IPC.
 */
import { ensureStack } from '../scripts/stack.mjs';
import { floorCpuPerCompletion } from './cpu-per-completion.js';
import { startBareTurns } from './floor/bare-turns.js';
import { measureFloorLevels, type FloorLevel } from './floor/measure.js';
import { FLOOR_CONFIG_ENV, type FloorConfig, type FloorMessage } from './floor/protocol.js';
import { round } from './stats.js';

const namespace = process.env.TEMPORAL_NAMESPACE || 'default';

function levelsFromArgs(args: string[]): FloorLevel[] {
  const answerMs = Number(args[0] ?? 1000);
  return (args[1] ?? '1:40,10:200,50:500').split(',').map((level) => {
    const [concurrency, completions] = level.split(':').map(Number);
    if (!concurrency || !completions) throw new Error(`bad level "${level}": expected <concurrency>:<completions>`);
    return { answerMs, concurrency, completions };
  });
}

async function standalone(): Promise<void> {
  const levels = levelsFromArgs(process.argv.slice(2));
  const stack = await ensureStack({ dataDir: process.env.LONGHAUL_DATA_DIR ?? '.longhaul', log: () => {} });
  const turns = await startBareTurns({ temporalAddress: stack.env.TEMPORAL_ADDRESS, namespace });
  const figures = await measureFloorLevels(turns, stack.env.TEMPORAL_ADDRESS, levels);
  await turns.close();
  await stack.stop();
  console.log(
    `Temporal floor: one workflow, one ${levels[0]?.answerMs} ms activity, eager start and activity (${stack.env.TEMPORAL_ADDRESS})\n`,
  );
  console.log(
    '| c | completions | client + worker ms | Temporal server ms | both ms | start() → activity running p50 / p99 ms | machine CPU % |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const level of figures) {
    const cpu = floorCpuPerCompletion(level);
    const wait = level.startToActivity;
    console.log(
      `| ${level.concurrency} | ${level.completions} | ${round(cpu?.own ?? Number.NaN, 1)} | ` +
        `${round(cpu?.temporal ?? Number.NaN, 1)} | ${round(cpu?.all ?? Number.NaN, 1)} | ${wait.p50} / ${wait.p99} | ` +
        `${level.cpu?.machine ?? '–'} |`,
    );
  }
}

async function child(config: FloorConfig): Promise<void> {
  // A terminal Ctrl-C reaches the whole process group: the bench process decides when this one ends.
  process.on('SIGINT', () => {});
  // The bench process is gone: nobody is left to take the figures.
  process.on('disconnect', () => process.exit(1));
  let message: FloorMessage;
  try {
    const turns = await startBareTurns({ temporalAddress: config.temporalAddress, namespace });
    try {
      message = { type: 'result', figures: await measureFloorLevels(turns, config.temporalAddress, config.levels) };
    } finally {
      await turns.close();
    }
  } catch (error) {
    message = { type: 'error', error: (error as Error).stack ?? String(error) };
  }
  await new Promise<void>((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

const raw = process.env[FLOOR_CONFIG_ENV];
if (raw && process.send) await child(JSON.parse(raw) as FloorConfig);
else await standalone();
process.exit(0);
