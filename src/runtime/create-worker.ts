import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { createActivities } from '../activities/index.js';
import type { Config } from '../config.js';
import type { Providers } from '../llm/types.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { Logger } from '../log.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import { labelModels } from '../metrics.js';
import { createChunkPublisher } from '../stream/chunk-publisher.js';
import { withClientThreadIds } from '../stream/client-thread-ids.js';
import { createStopHints } from '../stream/stop-hints.js';
import { turnPolicyFromConfig } from './turn-policy-from-config.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * A worker for the completion task queue, wired to real dependencies. Tests pass their own task queue and a
 * pre-built workflow bundle; production bundles from WORKFLOWS_PATH at start.
 */
export async function createWorker(options: {
  config: Config;
  log: Logger;
  pool: pg.Pool;
  redis: Redis;
  /** A Redis connection of its own, in subscriber mode: the worker listens for stop hints on it. */
  subscriber: Redis;
  providers: Providers;
  tools: ToolRegistry;
  agents: AgentRegistry;
  connection?: NativeConnection;
  taskQueue?: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
}): Promise<Worker> {
  const { config } = options;
  // Any other model a caller names is counted, under `other`.
  labelModels([
    config.LONGHAUL_DEFAULT_MODEL,
    ...config.LONGHAUL_MODELS,
    ...options.agents.list().flatMap((agent) => (agent.model ? [agent.model] : [])),
  ]);
  const connection = options.connection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
  const publisher = withClientThreadIds(
    createChunkPublisher(options.redis, {
      maxLen: config.LONGHAUL_STREAM_MAXLEN,
      ttlSeconds: config.LONGHAUL_STREAM_TTL_SECONDS,
      replayWindowSeconds: config.LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS,
    }),
    options.pool,
  );
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    maxHeartbeatThrottleInterval: config.LONGHAUL_HEARTBEAT_THROTTLE_MS,
    maxCachedWorkflows: config.LONGHAUL_WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.LONGHAUL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    activities: createActivities({
      pool: options.pool,
      publisher,
      stopHints: createStopHints(options.subscriber),
      providers: options.providers,
      tools: options.tools,
      agents: options.agents,
      policy: turnPolicyFromConfig(config, options.tools, options.agents),
      log: options.log,
      settings: {
        stallTimeoutMs: config.LONGHAUL_STALL_TIMEOUT_MS,
        stopConfirmTimeoutMs: config.LONGHAUL_STOP_CONFIRM_TIMEOUT_MS,
        userDailyTokenBudget: config.LONGHAUL_USER_DAILY_TOKEN_BUDGET,
        maxAgentDepth: config.LONGHAUL_MAX_AGENT_DEPTH,
        fetchAllowedHosts: config.LONGHAUL_FETCH_ALLOWED_HOSTS,
        defaultDoubleTextPolicy: config.LONGHAUL_DOUBLE_TEXT_POLICY,
        maxActiveCompletions: config.LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER,
        ...(config.LONGHAUL_CONTEXT_WINDOW_TOKENS
          ? { contextWindowTokens: config.LONGHAUL_CONTEXT_WINDOW_TOKENS }
          : {}),
      },
    }),
  });
}
