/**
 * Longhaul in its production topology: `src/server.ts` and `src/worker.ts`, each in a process of its own, started
 * exactly as an operator starts them (environment only; migrations at start; no shared Temporal connection, so
 * no eager start). The bench cannot reach inside these processes, so they answer no IPC calls: their CPU comes
 * from /proc (cpu-meter.ts) and their latency from the load generator, like any other replica.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createPool } from '../src/db/pool.js';
import { createUsersRepo } from '../src/db/users-repo.js';
import type { StackEnv } from '../scripts/stack.mjs';
import type { LoopDelay } from './loop-delay.js';
import type { SystemChild } from './system-child.js';
import type { Target } from './target.js';
import { freePort } from '../test/support/free-port.js';

export interface ProductionSystem {
  target: Omit<Target, 'cancel' | 'discard'>;
  /** Answers only loop-start/loop-stop, with no figures: the processes are not the bench's to instrument. */
  child: Pick<SystemChild, 'call'>;
  pids: { api: number; worker: number };
  taskQueue: string;
  userId: string;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const EXIT_WAIT_MS = 10_000;
const NO_DELAY: LoopDelay = { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };

function startProcess(entry: string, env: NodeJS.ProcessEnv, readyLine: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnBenchExit = () => child.kill('SIGKILL');
  process.once('exit', killOnBenchExit);
  child.once('exit', () => process.off('exit', killOnBenchExit));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} was not ready within ${READY_TIMEOUT_MS} ms:\n${output.slice(-2000)}`));
    }, READY_TIMEOUT_MS);
    const onData = (data: Buffer) => {
      // Only until ready: afterwards the lines are read (the process pays for writing them) and dropped.
      if (output.length < 100_000) output += data.toString();
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WAIT_MS);
  await exited;
  clearTimeout(timer);
}

export async function startProduction(options: {
  env: StackEnv;
  databaseUrl: string;
  modelBaseURL: string;
}): Promise<ProductionSystem> {
  const taskQueue = `bench-production-${randomUUID()}`;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.env.REDIS_URL,
    TEMPORAL_ADDRESS: options.env.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: options.modelBaseURL,
    LONGHAUL_DEFAULT_MODEL: 'openai:bench-n5-d10-f0',
    HOST: '127.0.0.1',
    PORT: String(port),
    // The production default: its log lines are part of what a completion costs there.
    LOG_LEVEL: 'info',
    LONGHAUL_RATE_LIMIT_PER_MINUTE: '0',
    LONGHAUL_AUTH_FAILURES_PER_MINUTE: '0',
    LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: '0',
    LONGHAUL_MAX_STREAMS_PER_USER: '0',
  };
  const started: ChildProcess[] = [];
  try {
    // One after the other: both run migrations, and a worker bundling its workflow code while the API starts
    // would only make both slower.
    const worker = await startProcess('src/worker.ts', env, 'polling task queue');
    started.push(worker);
    const api = await startProcess('src/server.ts', env, 'listening on http://');
    started.push(api);
    const pool = createPool(options.databaseUrl, 1);
    const users = createUsersRepo(pool);
    const { userId, apiKey } = await users
      .ensureUser(`bench-production-${randomUUID()}`)
      .then(async (user) => ({ userId: user.id, apiKey: await users.createApiKey(user.id, 'bench') }))
      .finally(() => pool.end());
    return {
      target: {
        name: 'production',
        url: `http://127.0.0.1:${port}`,
        headers: { authorization: `Bearer ${apiKey}` },
      },
      child: {
        call: (async (type: string) => {
          if (type === 'loop-start') return null;
          if (type === 'loop-stop') return NO_DELAY;
          throw new Error(`the production processes answer no ${type} call`);
        }) as SystemChild['call'],
      },
      pids: { api: api.pid!, worker: worker.pid! },
      taskQueue,
      userId,
      async close() {
        await stopProcess(api);
        await stopProcess(worker);
      },
    };
  } catch (error) {
    for (const child of started.reverse()) await stopProcess(child);
    throw error;
  }
}
