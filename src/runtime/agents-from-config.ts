import { createAgentRegistry, type AgentRegistry } from '../agents/agent-registry.js';
import type { AgentDefinition } from '../agents/agent-definition.js';
import { BUILTIN_AGENTS } from '../agents/builtin-agents.js';

/** The built-in agents plus any a caller adds (an embedding app, or tests). */
export function agentsFromConfig(extra: AgentDefinition[] = []): AgentRegistry {
  return createAgentRegistry([...BUILTIN_AGENTS, ...extra]);
}
