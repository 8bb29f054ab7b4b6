/**
 * `node --import tsx bench/count-turn.ts [turns] [chunks] [concurrency]`: what one plain turn costs in round trips, counted
 * rather than timed (counts do not move with a busy machine): Postgres statements, Redis commands (by connection
 * and command; the publish script counted once per call), Temporal history events by type (workflow tasks,
 * markers, search attribute upserts: each upsert, the start and the close are a visibility write on the server)
 * and log lines at `info`. Longhaul runs in this process, wired as `npm start` wires it, against a database of
 * its own; turns run one after another, so every count belongs to a turn. With a concurrency above 1 they run in
 * waves of that many at once: the counts that move with load (chunks batched into one publish script run) show.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { ensureStack } from '../scripts/stack.mjs';
import { dropBenchDatabase, recreateBenchDatabase } from './bench-database.js';
import { startLonghaul } from './longhaul-system.js';
import { createStampedModelServer } from './stamped-model-server.js';
import { runStream } from './sse-client.js';
import { longhaulTarget } from './system-targets.js';
import { Client, Connection } from '@temporalio/client';
import { completionWorkflowId } from '../src/workflows/definitions.js';
import { writeFileSync, rmSync } from 'node:fs';
import { bundleWorkflows } from './workflow-bundle.js';

const turns = Number(process.argv[2] ?? 10);
const chunks = Number(process.argv[3] ?? 50);
const concurrency = Number(process.argv[4] ?? 1);
const shape = { chunks, delayMs: 5, firstDelayMs: 0 };

const counts = new Map<string, number>();
const count = (key: string, by = 1) => counts.set(key, (counts.get(key) ?? 0) + by);
let counting = false;

// Every statement of every pool goes through Client.prototype.query.
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (counting) count('postgres statements');
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, command, stream) {
  if (counting) {
    const name = (this.options.connectionName ?? '?').replace(/^longhaul-bench-/, '');
    count(`redis ${name} ${command.name}`);
  }
  return sendCommand.call(this, command, stream);
};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (counting) count('log lines (stdout)', String(chunk).split('\n').length - 1);
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

const stack = await ensureStack({ dataDir: '.longhaul', log: () => {} });
const databaseUrl = await recreateBenchDatabase(stack.env.DATABASE_URL);
const bundlePath = `.longhaul/count-turn-bundle-${process.pid}.js`;
writeFileSync(bundlePath, (await bundleWorkflows()).code);
const model = await createStampedModelServer();
const system = await startLonghaul({
  env: stack.env,
  databaseUrl,
  modelBaseURL: model.baseURL,
  workflowBundle: { codePath: bundlePath },
  logLevel: 'info',
});
const connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS });
const temporal = new Client({ connection });
const target = longhaulTarget({ name: 'longhaul', url: system.url, headers: system.headers }, temporal);

await runStream(target, { shape });
const events = new Map<string, number>();
counting = true;
async function countTurn(): Promise<void> {
  const result = await runStream(target, { shape });
  if (!result.ok || !result.completionId) throw new Error(`turn failed: ${result.error ?? result.status}`);
  const handle = temporal.workflow.getHandle(completionWorkflowId(result.completionId));
  await handle.result();
  for (const event of (await handle.fetchHistory()).events ?? []) {
    const field = Object.keys(event).find((key) => key.endsWith('EventAttributes') && event[key as keyof typeof event]);
    const name = field?.replace(/EventAttributes$/, '') ?? 'unknown';
    events.set(name, (events.get(name) ?? 0) + 1);
  }
}
for (let started = 0; started < turns; started += concurrency) {
  const wave = Math.min(concurrency, turns - started);
  await Promise.all(Array.from({ length: wave }, () => countTurn()));
}
counting = false;

const rows = [...counts, ...[...events].map(([name, n]) => [`history ${name}`, n] as const)].sort(([a], [b]) =>
  a.localeCompare(b),
);
console.log(
  `per turn (${turns} turns of ${chunks} chunks, ${concurrency} at a time; model requests ${model.requests - 1}):`,
);
for (const [name, n] of rows) console.log(`  ${(n / turns).toFixed(2).padStart(8)}  ${name}`);

await system.close();
await connection.close();
await model.close();
await dropBenchDatabase(stack.env.DATABASE_URL);
rmSync(bundlePath, { force: true });
await stack.stop();
process.exit(0);
