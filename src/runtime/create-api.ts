import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type Koa from 'koa';
import { createApp } from '../api/create-app.js';
import { createCompletionStarter } from '../api/completion-starter.js';
import { turnPolicyFromConfig } from './turn-policy-from-config.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import { createApprovalService } from '../api/approval-service.js';
import { createCompletionCanceller } from '../api/completion-canceller.js';
import { createCompletionReconciler } from '../api/completion-reconciler.js';
import { createThreadService } from '../api/thread-service.js';
import { createCompletionService } from '../api/completion-service.js';
import { createApprovalInboxService } from '../api/approval-inbox-service.js';
import { createChunkPublisher } from '../stream/chunk-publisher.js';
import { toClientVersion } from '../stream/client-version.js';
import { withClientThreadIds } from '../stream/client-thread-ids.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createStreamHub, type StreamHub } from '../stream/stream-hub.js';
import { createJwtVerifier } from '../auth/jwt-verifier.js';
import { createApiLimits } from '../api/limits.js';
import { createScheduleService } from '../api/schedule-service.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';

/** The Koa app wired from config and live connections; `subscriber` must be a Redis connection of its own. */
export function createApi(options: {
  config: Config;
  pool: pg.Pool;
  redis: Redis;
  subscriber: Redis;
  temporal: Client;
  tools: ToolRegistry;
  agents: AgentRegistry;
  log: Logger;
  /** The project's MCP servers, whose state /healthz reports. */
  mcp?: Pick<McpToolSource, 'status'>;
  taskQueue?: string;
  /**
   * Ask Temporal to hand each new completion's first workflow task to a worker in this process (eager workflow
   * start). Only when `temporal` runs on the NativeConnection of a worker polling the same task queue.
   */
  eagerStart?: boolean;
}): { app: Koa; hub: StreamHub; drain(): Promise<void> } {
  const { config } = options;
  const hub = createStreamHub(options.redis, options.subscriber, {
    maxQueuedBytes: config.LONGHAUL_SSE_MAX_BUFFERED_BYTES,
  });
  const publisher = withClientThreadIds(
    createChunkPublisher(options.redis, {
      maxLen: config.LONGHAUL_STREAM_MAXLEN,
      ttlSeconds: config.LONGHAUL_STREAM_TTL_SECONDS,
      replayWindowSeconds: config.LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS,
    }),
    options.pool,
  );
  const reconciler = createCompletionReconciler({
    pool: options.pool,
    temporal: options.temporal,
    publisher,
    log: options.log,
  });
  const canceller = createCompletionCanceller({
    pool: options.pool,
    temporal: options.temporal,
    redis: options.redis,
    reconciler,
  });
  const policy = turnPolicyFromConfig(config, options.tools, options.agents);
  const app = createApp({
    pool: options.pool,
    redis: options.redis,
    temporal: options.temporal,
    hub,
    log: options.log,
    starter: createCompletionStarter({
      pool: options.pool,
      temporal: options.temporal,
      taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
      eagerStart: options.eagerStart ?? false,
      policy,
      log: options.log,
      canceller,
      reconciler,
      defaultDoubleTextPolicy: config.LONGHAUL_DOUBLE_TEXT_POLICY,
      memoThreadTitle: config.LONGHAUL_MEMO_THREAD_TITLE,
      maxActiveCompletions: config.LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER,
    }),
    policy,
    agents: options.agents,
    approvals: createApprovalService({ pool: options.pool, temporal: options.temporal }),
    canceller,
    reconciler,
    threads: createThreadService({
      pool: options.pool,
      reconciler,
      policy,
      defaultDoubleTextPolicy: config.LONGHAUL_DOUBLE_TEXT_POLICY,
    }),
    completions: createCompletionService({ pool: options.pool }),
    approvalInbox: createApprovalInboxService({ pool: options.pool }),
    schedules: createScheduleService({
      pool: options.pool,
      temporal: options.temporal,
      taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
      policy,
      minIntervalSeconds: config.LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS,
      log: options.log,
    }),
    scheduleMinIntervalSeconds: config.LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS,
    defaultDoubleTextPolicy: config.LONGHAUL_DOUBLE_TEXT_POLICY,
    defaultClientVersion: toClientVersion(config.LONGHAUL_UI_VERSION),
    maxBodyBytes: config.LONGHAUL_MAX_BODY_BYTES,
    maxMessageChars: config.LONGHAUL_MAX_MESSAGE_CHARS,
    trustedProxies: config.LONGHAUL_TRUST_PROXY,
    tokens: createJwtVerifier({
      secret: config.LONGHAUL_JWT_SECRET,
      jwksUrl: config.LONGHAUL_JWKS_URL,
      issuer: config.LONGHAUL_JWT_ISSUER,
      audience: config.LONGHAUL_JWT_AUDIENCE,
      clockToleranceSeconds: config.LONGHAUL_JWT_CLOCK_SKEW_SECONDS,
      jwksCooldownSeconds: config.LONGHAUL_JWKS_COOLDOWN_SECONDS,
    }),
    corsOrigins: config.LONGHAUL_CORS_ORIGINS,
    keepAliveMs: config.LONGHAUL_SSE_KEEPALIVE_MS,
    metricsToken: config.LONGHAUL_METRICS_TOKEN,
    limits: createApiLimits(
      options.redis,
      {
        requestsPerMinute: config.LONGHAUL_RATE_LIMIT_PER_MINUTE,
        authFailuresPerMinute: config.LONGHAUL_AUTH_FAILURES_PER_MINUTE,
        streamsPerUser: config.LONGHAUL_MAX_STREAMS_PER_USER,
        keepAliveMs: config.LONGHAUL_SSE_KEEPALIVE_MS,
      },
      options.log,
    ),
    ...(options.mcp ? { mcpStatus: options.mcp.status } : {}),
    temporalNamespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.LONGHAUL_TEMPORAL_UI_URL.replace(/\/$/, ''),
  });
  return { app, hub, drain: () => reconciler.drain() };
}
