/**
 * `node --import tsx bench/temporal-floor.ts [answerMs] [c:completions,...]`: the floor under issue 17's goals, measured. What any
 * turn that is a Temporal workflow costs before it does anything of its own: a workflow that runs one activity
 * (standing in for the model call, as long as a 50-chunk answer streams) and ends, started with eager workflow
 * start and eager activities (as `npm start` starts a turn), with no search attributes, memo, markers, Postgres
 * or Redis. Client and worker share this process, as API and worker do under `npm start`; the Temporal server is
 * the one the bench uses. At each concurrency of the bench's latency phase (closed loop, same completion counts)
 * it reports CPU per completion of this process and of the Temporal server (from /proc, as the bench does), and
 * the time from `start()` to the activity running: the least a first token can wait on Temporal.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { ensureStack } from '../scripts/stack.mjs';
import { createCpuMeter } from './cpu-meter.js';
import { createFloorActivities } from './floor/activities.js';
import { summarize, round } from './stats.js';

const answerMs = Number(process.argv[2] ?? 1000);
// The bench's latency phase by default; its long-answer phase is `6000 50:200`.
const levels = (process.argv[3] ?? '1:40,10:200,50:500').split(',').map((level) => {
  const [concurrency, completions] = level.split(':').map(Number);
  if (!concurrency || !completions) throw new Error(`bad level "${level}": expected <concurrency>:<completions>`);
  return { concurrency, completions };
});
const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
const taskQueue = `longhaul-floor-${process.pid}`;

const stack = await ensureStack({ dataDir: '.longhaul', log: () => {} });
const connection = await NativeConnection.connect({ address: stack.env.TEMPORAL_ADDRESS });
const client = new Client({ connection, namespace: namespace });
const activityStarted = new Map<string, number>();
const worker = await Worker.create({
  connection,
  namespace: namespace,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./floor/workflow.ts', import.meta.url)),
  activities: createFloorActivities((workflowId, at) => activityStarted.set(workflowId, at)),
});
const workerRun = worker.run();
const meter = createCpuMeter(
  stack.env.TEMPORAL_ADDRESS.split(':').at(-1) ?? '7233',
  { 'baseline process': -1, 'longhaul process': -1, 'production API': -1, 'production worker': -1 },
  'none',
);

let sequence = 0;
async function turn(): Promise<number> {
  const workflowId = `floor-${process.pid}-${(sequence += 1)}`;
  const startedAt = performance.now();
  const handle = await client.workflow.start('floorTurn', {
    taskQueue,
    workflowId,
    args: [answerMs],
    requestEagerStart: true,
  });
  await handle.result();
  const activityAt = activityStarted.get(workflowId);
  activityStarted.delete(workflowId);
  if (activityAt === undefined) throw new Error(`${workflowId}: its activity never ran`);
  return activityAt - startedAt;
}

async function closedLoop(concurrency: number, completions: number): Promise<number[]> {
  const waits: number[] = [];
  let left = completions;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left -= 1;
        waits.push(await turn());
      }
    }),
  );
  return waits;
}

await closedLoop(5, 20); // warm-up: JIT, the worker's workflow context, the server's caches
const rows: string[] = [];
for (const { concurrency, completions } of levels) {
  const stopCpu = meter.start();
  const waits = await closedLoop(concurrency, completions);
  const cpu = stopCpu();
  const per = (group: 'load process' | 'temporal') => round((cpu?.ms?.[group] ?? Number.NaN) / completions, 1);
  const wait = summarize(waits);
  rows.push(
    `| ${concurrency} | ${completions} | ${per('load process')} | ${per('temporal')} | ` +
      `${round(per('load process') + per('temporal'), 1)} | ${wait.p50} / ${wait.p99} | ${cpu?.machine ?? '–'} |`,
  );
}

console.log(
  `Temporal floor: one workflow, one ${answerMs} ms activity, eager start and activity (${stack.env.TEMPORAL_ADDRESS})\n`,
);
console.log(
  '| c | completions | client + worker ms | Temporal server ms | both ms | start() → activity running p50 / p99 ms | machine CPU % |',
);
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

worker.shutdown();
await workerRun;
await connection.close();
await stack.stop();
process.exit(0);
