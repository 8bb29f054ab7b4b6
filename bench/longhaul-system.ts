/**
 * A whole Longhaul in this process (Longhaul's child process, see system-process.ts), wired like `npm start`
 * (test/support/harness.ts without vitest): the API on 127.0.0.1:0 with its own pool and Redis connections, and a
 * worker on its own task queue with its own pool and Redis connections, both pointed at the bench model server.
 * API and worker share one Temporal connection, so completions start eagerly.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { parseConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { createUsersRepo } from '../src/db/users-repo.js';
import { createLogger } from '../src/log.js';
import { createApi } from '../src/runtime/create-api.js';
import { createRedis } from '../src/runtime/connections.js';
import { createWorker } from '../src/runtime/create-worker.js';
import { providersFromConfig } from '../src/runtime/providers-from-config.js';
import { toolsFromConfig } from '../src/runtime/tools-from-config.js';
import { agentsFromConfig } from '../src/runtime/agents-from-config.js';
import type { StackEnv } from '../scripts/stack.mjs';
import { keepIdleConnections } from './keep-idle-connections.js';

export interface LonghaulSystem {
  /** `http://127.0.0.1:<port>` of the API. */
  url: string;
  /** Request headers with the bench user's API key. */
  headers: Record<string, string>;
  userId: string;
  taskQueue: string;
  replayWindowSeconds: number;
  cachedWorkflows(): number;
  /** The worker's Redis connection and the API's subscriber, for the hop tracer. */
  workerRedis: Redis;
  apiSubscriber: Redis;
  close(): Promise<void>;
}

export async function startLonghaul(options: {
  env: StackEnv;
  databaseUrl: string;
  modelBaseURL: string;
  workflowBundle: { codePath: string };
  /** `warn` unless a caller counts what `info` costs (count-turn.ts). */
  logLevel?: 'info' | 'warn';
}): Promise<LonghaulSystem> {
  const logLevel = options.logLevel ?? 'warn';
  // Temporal's native runtime logs to stderr by default; the bench's output is its table.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  const config = parseConfig({
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.env.REDIS_URL,
    TEMPORAL_ADDRESS: options.env.TEMPORAL_ADDRESS,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: options.modelBaseURL,
    LONGHAUL_DEFAULT_MODEL: 'openai:bench-n5-d10-f0',
    LOG_LEVEL: logLevel,
    // One bench user drives every request, completion and stream: the limits would measure themselves.
    LONGHAUL_RATE_LIMIT_PER_MINUTE: '0',
    LONGHAUL_AUTH_FAILURES_PER_MINUTE: '0',
    LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: '0',
    LONGHAUL_MAX_STREAMS_PER_USER: '0',
    // A soak tried for a minute or two may shorten the window it waits out; the default is npm start's.
    LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS: process.env.LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS,
  });
  const taskQueue = `bench-${randomUUID()}`;
  const tools = toolsFromConfig(config);
  const agents = agentsFromConfig();

  const workerPool = createPool(config.DATABASE_URL);
  const workerRedis = createRedis(config.REDIS_URL, 'longhaul-bench-worker');
  const workerSubscriber = createRedis(config.REDIS_URL, 'longhaul-bench-worker-sub');
  const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    config,
    log: createLogger('worker', logLevel),
    pool: workerPool,
    redis: workerRedis,
    subscriber: workerSubscriber,
    providers: providersFromConfig(config),
    tools,
    agents,
    connection: nativeConnection,
    taskQueue,
    workflowBundle: options.workflowBundle,
  });
  const workerRun = worker.run();

  const apiPool = createPool(config.DATABASE_URL);
  const apiRedis = createRedis(config.REDIS_URL, 'longhaul-bench-api');
  const apiSubscriber = createRedis(config.REDIS_URL, 'longhaul-bench-api-sub');
  // As in `npm start`: the API's client shares the worker's connection, so starts are eager.
  const temporal = new Client({ connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE });
  const { app, drain } = createApi({
    config,
    pool: apiPool,
    redis: apiRedis,
    subscriber: apiSubscriber,
    temporal,
    taskQueue,
    eagerStart: true,
    tools,
    agents,
    log: createLogger('api', logLevel),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  keepIdleConnections(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The bench user is set up with a pool of its own, closed at once: the system's pools serve only its traffic.
  const setupPool = createPool(config.DATABASE_URL, 1);
  const { userId, apiKey } = await createBenchUser(setupPool).finally(() => setupPool.end());

  return {
    url,
    headers: { authorization: `Bearer ${apiKey}` },
    userId,
    taskQueue,
    replayWindowSeconds: config.LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS,
    cachedWorkflows: () => worker.getStatus().numCachedWorkflows,
    workerRedis,
    apiSubscriber,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await drain();
      worker.shutdown();
      await workerRun;
      await nativeConnection.close();
      for (const redis of [workerRedis, workerSubscriber, apiRedis, apiSubscriber]) await redis.quit();
      for (const pool of [workerPool, apiPool]) await pool.end();
    },
  };
}

async function createBenchUser(pool: pg.Pool): Promise<{ userId: string; apiKey: string }> {
  const users = createUsersRepo(pool);
  const user = await users.ensureUser(`bench-${randomUUID()}`);
  return { userId: user.id, apiKey: await users.createApiKey(user.id, 'bench') };
}
