import type pg from 'pg';
import type { ChunkPublisher } from '../stream/chunk-publisher.js';
import type { StopHints } from '../stream/stop-hints.js';
import type { Providers } from '../llm/types.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { Logger } from '../log.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { TurnPolicy } from '../completions/turn-policy.js';
import type { DoubleTextPolicy } from '../db/threads-repo.js';

/** Everything activities touch from outside, passed in so tests hand them real Postgres, Redis and providers. */
export interface ActivityDeps {
  pool: pg.Pool;
  publisher: ChunkPublisher;
  stopHints: StopHints;
  providers: Providers;
  tools: ToolRegistry;
  agents: AgentRegistry;
  /** What a sub-agent's turn runs as (model, tools, limits): the API's policy, built from the same settings. */
  policy: TurnPolicy;
  settings: ActivitySettings;
  log: Logger;
}

export interface ActivitySettings {
  /** A provider stream silent for this long is aborted and retried. */
  stallTimeoutMs: number;
  /** After a stop hint, how long Temporal may take to confirm the cancellation before the call fails. */
  stopConfirmTimeoutMs: number;
  /** Tokens one user may use per UTC day across completions; 0 = unlimited. */
  userDailyTokenBudget: number;
  /** How deep research sub-agents may nest. */
  maxAgentDepth: number;
  /** LONGHAUL_FETCH_ALLOWED_HOSTS: the hosts egress tools may reach (empty = any); agents may narrow it. */
  fetchAllowedHosts: readonly string[];
  /** LONGHAUL_DOUBLE_TEXT_POLICY, for the threads a schedule's runs create. */
  defaultDoubleTextPolicy: DoubleTextPolicy;
  /** LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER, which a schedule's runs count against like the user's turns. */
  maxActiveCompletions: number;
  /** LONGHAUL_CONTEXT_WINDOW_TOKENS: every agent's context window, when set. */
  contextWindowTokens?: number;
}
