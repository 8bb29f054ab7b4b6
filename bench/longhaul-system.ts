/**
 * A whole Longhaul in this process, wired like `npm start` (test/support/harness.ts without vitest): the API on
 * 127.0.0.1:0 with its own pool and Redis connections, and a worker on its own task queue with its own pool and
 * Redis connections, both pointed at the bench model server. API and worker share one Temporal connection, so
 * completions start eagerly.
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
import { completionWorkflowId } from '../src/workflows/definitions.js';
import type { StackEnv } from '../scripts/stack.mjs';
import { keepIdleConnections } from './keep-idle-connections.js';
import type { Target } from './target.js';

export interface LonghaulSystem {
  target: Target;
  temporal: Client;
  /** The bench's own connection, for seeding threads; not used by the system under test. */
  pool: pg.Pool;
  userId: string;
  /** The worker's Redis connection and the API's subscriber, for the hop tracer. */
  workerRedis: Redis;
  apiSubscriber: Redis;
  /** Terminates every workflow still running on the bench task queue (streams the bench walked away from). */
  terminateRunning(): Promise<number>;
  close(): Promise<void>;
}

export async function startLonghaul(options: {
  env: StackEnv;
  databaseUrl: string;
  modelBaseURL: string;
  workflowCode: string;
}): Promise<LonghaulSystem> {
  // Temporal's native runtime logs to stderr by default; the bench's output is its table.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  const config = parseConfig({
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.env.REDIS_URL,
    TEMPORAL_ADDRESS: options.env.TEMPORAL_ADDRESS,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: options.modelBaseURL,
    LONGHAUL_DEFAULT_MODEL: 'openai:bench-n5-d10-f0',
    LOG_LEVEL: 'warn',
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
    log: createLogger('worker', 'warn'),
    pool: workerPool,
    redis: workerRedis,
    subscriber: workerSubscriber,
    providers: providersFromConfig(config),
    tools,
    agents,
    connection: nativeConnection,
    taskQueue,
    workflowBundle: { code: options.workflowCode },
  });
  const workerRun = worker.run();

  const apiPool = createPool(config.DATABASE_URL);
  const apiRedis = createRedis(config.REDIS_URL, 'longhaul-bench-api');
  const apiSubscriber = createRedis(config.REDIS_URL, 'longhaul-bench-api-sub');
  // As in `npm start`: the API's client shares the worker's connection, so starts are eager.
  const temporal = new Client({ connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE });
  const { app } = createApi({
    config,
    pool: apiPool,
    redis: apiRedis,
    subscriber: apiSubscriber,
    temporal,
    taskQueue,
    eagerStart: true,
    tools,
    agents,
    log: createLogger('api', 'warn'),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  keepIdleConnections(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const benchPool = createPool(config.DATABASE_URL, 2);
  const users = createUsersRepo(benchPool);
  const user = await users.ensureUser(`bench-${randomUUID()}`);
  const apiKey = await users.createApiKey(user.id, 'bench');
  const headers = { authorization: `Bearer ${apiKey}` };

  return {
    target: {
      name: 'longhaul',
      url,
      headers,
      async cancel(completionId) {
        const res = await fetch(`${url}/v1/completions/${completionId}/cancel`, { method: 'POST', headers });
        await res.arrayBuffer();
        return res.status;
      },
      async discard(completionId) {
        await temporal.workflow
          .getHandle(completionWorkflowId(completionId))
          .terminate('benchmark stream no longer needed')
          .catch(() => {});
      },
    },
    temporal,
    pool: benchPool,
    userId: user.id,
    workerRedis,
    apiSubscriber,
    async terminateRunning() {
      let count = 0;
      for await (const execution of temporal.workflow.list({ query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"` })) {
        await temporal.workflow.getHandle(execution.workflowId, execution.runId).terminate('benchmark over').catch(() => {});
        count += 1;
      }
      return count;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      worker.shutdown();
      await workerRun;
      await nativeConnection.close();
      for (const redis of [workerRedis, workerSubscriber, apiRedis, apiSubscriber]) await redis.quit();
      for (const pool of [workerPool, apiPool, benchPool]) await pool.end();
    },
  };
}
