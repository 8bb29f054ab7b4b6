/**
 * The Temporal floor (temporal-floor.ts) as phases of the bench: a child process of its own runs bare
 * one-activity workflows at the shape, concurrency and count of each phase issue 17 sets goals on, so its CPU is
 * metered apart from the load process and the systems' processes. One child for all the floor's phases, started
 * for them and gone after: its worker would otherwise poll the Temporal server through the other phases and add
 * to the Temporal CPU they are charged with. The bench process only waits meanwhile.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FloorFigures, FloorLevel } from '../floor/measure.js';
import { FLOOR_CONFIG_ENV, type FloorConfig, type FloorMessage } from '../floor/protocol.js';
import type { RelayConnections } from '../floor/relay.js';
import type { Plan } from '../plan.js';
import type { FloorPhases } from '../results.js';
import { answerMsOf } from '../stream-shape.js';

const ENTRY = fileURLToPath(new URL('../temporal-floor.ts', import.meta.url));
/** Start-up (connecting, bundling the floor workflow, warm-up) and slack for a loaded machine. */
const SLACK_MS = 120_000;

/** Each level's closed loop, done in rounds of `concurrency`, at three times the answer length each. */
const timeoutFor = (levels: readonly FloorLevel[]) =>
  SLACK_MS + levels.reduce((sum, l) => sum + Math.ceil(l.completions / l.concurrency) * l.answerMs * 3, 0);

function runFloorChild(config: FloorConfig): Promise<FloorFigures[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [FLOOR_CONFIG_ENV]: JSON.stringify(config) },
  });
  const killOnBenchExit = () => child.kill('SIGKILL');
  process.once('exit', killOnBenchExit);
  const timeoutMs = timeoutFor(config.levels);
  return new Promise<FloorFigures[]>((resolve, reject) => {
    let message: FloorMessage | undefined;
    const timer = setTimeout(() => {
      reject(new Error(`the floor process did not finish within ${timeoutMs} ms`));
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (received: FloorMessage) => (message = received));
    child.on('error', (error) => reject(new Error(`the floor process could not run: ${error.message}`)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', killOnBenchExit);
      if (message?.type === 'result') resolve(message.figures);
      else if (message?.type === 'error') reject(new Error(`the floor process failed: ${message.error}`));
      else reject(new Error(`the floor process exited (${signal ?? `code ${code}`}) without figures`));
    });
  });
}

/**
 * The plan's latency phases (50-chunk answers at each concurrency) and its long-answer phase, bare; then the
 * long-answer phase again with every chunk relayed through Redis and the turn's messages stored (floor/relay.ts),
 * and once more resumable and heartbeating.
 */
export async function measureFloor(plan: Plan, temporalAddress: string, relay: RelayConnections): Promise<FloorPhases> {
  const latency = plan.concurrencies.map((concurrency) => ({
    answerMs: answerMsOf(plan.shape),
    concurrency,
    completions: plan.latencyCompletions[concurrency] ?? concurrency,
  }));
  const long = plan.longAnswer;
  const longAnswer = {
    answerMs: answerMsOf(long.shape),
    concurrency: long.concurrency,
    completions: long.completions,
  };
  const figures = await runFloorChild({
    temporalAddress,
    levels: [
      ...latency,
      longAnswer,
      { ...longAnswer, relayChunks: long.shape.chunks },
      { ...longAnswer, relayChunks: long.shape.chunks, resumable: true },
    ],
    relay,
  });
  return {
    latency: figures.slice(0, latency.length),
    longAnswer: figures[latency.length],
    longAnswerRelayed: figures[latency.length + 1],
    longAnswerResumable: figures[latency.length + 2],
  };
}
