/**
 * The floor under issue 17's goals, measured: what a bare one-activity Temporal workflow costs per completion
 * (floor/bare-turns.ts), CPU of client + worker and of the Temporal server, and start() → activity running.
 *
 * Standalone, `node --import tsx bench/temporal-floor.ts [answerMs] [c:completions,...] [relayChunks [resumable]]`
 * prints a table; the defaults are the full bench's latency phase, its long-answer phase is `6000 50:200`, and with
 * `300` after it each turn also relays 300 chunks through Redis and stores its messages (floor/relay.ts), against
 * the stack's database; `300 resumable` also logs them for resuming viewers and heartbeats. The bench (phases/floor.ts)
 * starts this same file as a child process with its phases in LONGHAUL_BENCH_FLOOR and takes the figures over IPC.
 */
import { ensureStack } from '../scripts/stack.mjs';
import { floorCpuPerCompletion } from './cpu-per-completion.js';
import { startBareTurns } from './floor/bare-turns.js';
import { measureFloorLevels, type FloorLevel } from './floor/measure.js';
import { FLOOR_CONFIG_ENV, type FloorConfig, type FloorMessage } from './floor/protocol.js';
import type { RelayConnections } from './floor/relay.js';
import { round } from './stats.js';

const namespace = process.env.TEMPORAL_NAMESPACE || 'default';

function levelsFromArgs(args: string[]): FloorLevel[] {
  const answerMs = Number(args[0] ?? 1000);
  const relayChunks = args[2] === undefined ? undefined : Number(args[2]);
  if (relayChunks !== undefined && !(relayChunks > 0)) throw new Error(`bad relayChunks "${args[2]}"`);
  if (args[3] !== undefined && args[3] !== 'resumable')
    throw new Error(`bad argument "${args[3]}": expected resumable`);
  const resumable = args[3] === 'resumable';
  return (args[1] ?? '1:40,10:200,50:500').split(',').map((level) => {
    const [concurrency, completions] = level.split(':').map(Number);
    if (!concurrency || !completions) throw new Error(`bad level "${level}": expected <concurrency>:<completions>`);
    return { answerMs, concurrency, completions, ...(relayChunks ? { relayChunks, resumable } : {}) };
  });
}

/** The database whose backends count as Postgres's CPU: the relay's. */
const databaseOf = (relay: RelayConnections | undefined) =>
  relay ? new URL(relay.databaseUrl).pathname.slice(1) : 'none';

async function standalone(): Promise<void> {
  const levels = levelsFromArgs(process.argv.slice(2));
  const stack = await ensureStack({ dataDir: process.env.LONGHAUL_DATA_DIR ?? '.longhaul', log: () => {} });
  const relay = { redisUrl: stack.env.REDIS_URL, databaseUrl: stack.env.DATABASE_URL };
  const turns = await startBareTurns({ temporalAddress: stack.env.TEMPORAL_ADDRESS, namespace, relay });
  const figures = await measureFloorLevels(turns, stack.env.TEMPORAL_ADDRESS, levels, databaseOf(relay));
  await turns.close();
  await stack.stop();
  console.log(
    `Temporal floor: one workflow, one ${levels[0]?.answerMs} ms activity, eager start and activity (${stack.env.TEMPORAL_ADDRESS})\n`,
  );
  const relaying = levels[0]?.relayChunks;
  if (relaying) console.log(`Each turn relays ${relaying} chunks through Redis and stores 2 messages in Postgres.\n`);
  if (levels[0]?.resumable) console.log('Each chunk is also logged for resuming viewers; the activity heartbeats.\n');
  console.log(
    '| c | completions | client + worker ms | Temporal server ms | Redis ms | Postgres ms | all ms | start() → activity running p50 / p99 ms | machine CPU % |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const level of figures) {
    const cpu = floorCpuPerCompletion(level);
    const wait = level.startToActivity;
    console.log(
      `| ${level.concurrency} | ${level.completions} | ${round(cpu?.own ?? Number.NaN, 1)} | ` +
        `${round(cpu?.temporal ?? Number.NaN, 1)} | ${round(cpu?.redis ?? Number.NaN, 1)} | ` +
        `${round(cpu?.postgres ?? Number.NaN, 1)} | ${round(cpu?.all ?? Number.NaN, 1)} | ${wait.p50} / ${wait.p99} | ` +
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
    const { temporalAddress, levels, relay } = config;
    const turns = await startBareTurns({ temporalAddress, namespace, ...(relay ? { relay } : {}) });
    try {
      message = {
        type: 'result',
        figures: await measureFloorLevels(turns, temporalAddress, levels, databaseOf(relay)),
      };
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
