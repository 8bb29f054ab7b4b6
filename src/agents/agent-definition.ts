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
}

export interface AgentLimits {
  maxSteps?: number;
  maxOutputTokens?: number;
  /** Input + output tokens over all attempts (sub-agents included); 0 = unlimited. */
  tokenBudget?: number;
  /** No new model call starts after this long since the turn began. */
  wallTimeMs?: number;
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
  /** When set, the answer is one JSON object of this shape, streamed as a growing `data-object` part. */
  output?: z.ZodType;
}

export function defineAgent(agent: AgentDefinition): AgentDefinition {
  return agent;
}
