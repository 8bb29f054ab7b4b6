import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { DoubleTextPolicy } from '../db/threads-repo.js';
import type { StreamHub } from '../stream/stream-hub.js';
import type { CompletionStarter } from './completion-starter.js';
import type { TurnPolicy } from '../completions/turn-policy.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { ApprovalService } from './approval-service.js';
import type { CompletionCanceller } from './completion-canceller.js';
import type { CompletionReconciler } from './completion-reconciler.js';
import type { ThreadService } from './thread-service.js';
import type { CompletionService } from './completion-service.js';
import type { ApprovalInboxService } from './approval-inbox-service.js';
import type { ClientVersion } from '../stream/client-version.js';
import type { JwtVerifier } from '../auth/jwt-verifier.js';
import type { ApiLimits } from './limits.js';
import type { ScheduleService } from './schedule-service.js';
import type { McpServerStatus } from '../mcp/mcp-connection.js';

export interface AppDeps {
  pool: pg.Pool;
  redis: Redis;
  temporal: Client;
  hub: StreamHub;
  starter: CompletionStarter;
  policy: TurnPolicy;
  agents: AgentRegistry;
  approvals: ApprovalService;
  canceller: CompletionCanceller;
  reconciler: CompletionReconciler;
  threads: ThreadService;
  completions: CompletionService;
  approvalInbox: ApprovalInboxService;
  schedules: ScheduleService;
  /** LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS. */
  scheduleMinIntervalSeconds: number;
  defaultDoubleTextPolicy: DoubleTextPolicy;
  /** Stream version for clients that do not name theirs. */
  defaultClientVersion: ClientVersion;
  log: Logger;
  maxBodyBytes: number;
  /** Characters of one message's text (LONGHAUL_MAX_MESSAGE_CHARS). */
  maxMessageChars: number;
  /** Proxies in front of the API (LONGHAUL_TRUST_PROXY); 0 = X-Forwarded-* headers are ignored. */
  trustedProxies: number;
  /** JWT bearer auth for browsers; undefined = API keys only. */
  tokens?: JwtVerifier;
  /** Browser origins allowed by CORS (LONGHAUL_CORS_ORIGINS); empty = no CORS headers. */
  corsOrigins: readonly string[];
  keepAliveMs: number;
  /** Bearer token GET /metrics requires (LONGHAUL_METRICS_TOKEN); undefined = open. */
  metricsToken: string | undefined;
  /** Limits that hold across replicas: requests per user, failed authentications per address, streams per user. */
  limits: ApiLimits;
  /** Each project MCP server's state as this process last saw it (none: /healthz lists no servers). */
  mcpStatus?: () => Record<string, McpServerStatus>;
  temporalNamespace: string;
  temporalUiUrl: string;
}
