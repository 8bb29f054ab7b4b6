/**
 * An agent is declared once: who it is (name, version), what it runs on (default model), what it is told
 * (a system prompt built per call from context), what it may use (tools, limits) and, optionally, the shape its
 * answer must take (a zod schema: structured output).
 */
import type { z } from 'zod';

export interface AgentPromptContext {
  user: { id: string; name: string };
  thread: { id: string; title: string | null };
  /** ISO date-time the call is made at. */
  now: string;
  tools: { name: string; description: string }[];
  /** Set when a schedule started this turn: nobody is waiting to answer a question. */
  schedule?: { id: string };
}

/**
 * The most model steps a completion may take. A long run hands over to a fresh workflow run every
 * LONGHAUL_STEPS_PER_RUN steps, so Temporal's history limits do not bound it; this bounds what one request may cost.
 */
export const MAX_STEPS_LIMIT = 1000;

export interface AgentLimits {
  /** 1 to MAX_STEPS_LIMIT. */
  maxSteps?: number;
  maxOutputTokens?: number;
  /** Input + output tokens over all attempts (sub-agents included); 0 = unlimited. */
  tokenBudget?: number;
  /** No new model call starts after this long since the turn began. */
  wallTimeMs?: number;
}

/**
 * Where the agent's egress tools (fetch_url, and any tool declaring `egress`) may send data. A prompt injection
 * in a page can ask the model to carry what it read elsewhere; this bounds where, and puts the user in the way.
 */
export interface AgentEgressPolicy {
  /**
   * Hosts the agent may reach: `example.com`, `*.example.com` (subdomains), optionally `:port`. Narrows the
   * deployment's LONGHAUL_FETCH_ALLOWED_HOSTS (a host must pass both); absent = the deployment's list.
   */
  allowedHosts?: string[];
  /**
   * Once the turn has read private data (a tool marked `readsPrivateData`, such as read_note), a call to a host
   * the turn had not reached before that read waits for the user's approval. Default true.
   */
  approvalAfterPrivateRead?: boolean;
}

/**
 * How much the model reads per call. When the transcript would not fit in `windowTokens - reserveTokens`, its older
 * turns are summarised by a model call of their own (context compaction) and the summary is sent in their place.
 */
export interface AgentContextPolicy {
  /** The model's context window in tokens; default per model (context-policy.ts). LONGHAUL_CONTEXT_WINDOW_TOKENS overrides it. */
  windowTokens?: number;
  /** Tokens kept free for the answer: at least the turn's maxOutputTokens (the default), which the answer may use. */
  reserveTokens?: number;
}

export interface AgentDefinition {
  /** `^[a-z][a-z0-9_-]{0,39}$` */
  name: string;
  /** Bumped when the prompt or policy changes; recorded on each completion for the audit trail. */
  version: string;
  description: string;
  /** `provider:model`; the request's model, else the server default, when absent. */
  model?: string;
  systemPrompt(context: AgentPromptContext): Promise<string> | string;
  tools: string[];
  limits?: AgentLimits;
  egress?: AgentEgressPolicy;
  context?: AgentContextPolicy;
  /** When set, the answer is one JSON object of this shape, streamed as a growing `data-object` part. */
  output?: z.ZodType;
}

export function defineAgent(agent: AgentDefinition): AgentDefinition {
  return agent;
}
