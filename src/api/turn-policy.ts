/**
 * Decides at the API, before any workflow starts, what a turn runs as: the agent (request, else the thread's,
 * else the default), the model (request, else the agent's, else the default; its provider must be configured and
 * it must be on the allowlist when one is set), the tools (the agent's, narrowed by the request) and the limits
 * (the agent's over the server's). Anything unknown is a 400 naming what exists.
 */
import type { AgentRegistry } from '../agents/agent-registry.js';
import { parseModelString } from '../llm/model-string.js';
import type { ProviderName } from '../llm/types.js';
import type { CompletionInput, CompletionLimits } from '../workflows/definitions.js';
import { badRequest } from './app-error.js';

export interface TurnChoices {
  agent?: string;
  model?: string;
  tools?: readonly string[];
}

export type ResolvedTurn = Pick<CompletionInput, 'model' | 'tools' | 'agent' | 'limits' | 'structuredOutput'> & {
  agent: { name: string; version: string };
  tools: string[];
};

export function createTurnPolicy(options: {
  defaultModel: string;
  defaultAgent: string;
  configuredProviders: readonly ProviderName[];
  allowlist: readonly string[];
  /** Tool names the workers know. */
  toolNames: readonly string[];
  agents: AgentRegistry;
  limits: CompletionLimits;
}) {
  function resolveModel(model: string): string {
    const parsed = parseModelString(model);
    if (!parsed) {
      throw badRequest(`unknown model "${model}": use openai:<model> or anthropic:<model>`, 'unknown_model');
    }
    if (!options.configuredProviders.includes(parsed.provider)) {
      throw badRequest(`provider ${parsed.provider} is not configured on this server`, 'unknown_model');
    }
    if (options.allowlist.length > 0 && !options.allowlist.includes(model)) {
      throw badRequest(`model "${model}" is not enabled; enabled: ${options.allowlist.join(', ')}`, 'unknown_model');
    }
    return model;
  }

  return {
    /** Validates an agent name on its own (thread creation). */
    agentName(name: string): string {
      if (!options.agents.get(name)) {
        const known = options.agents.list().map((agent) => agent.name).join(', ');
        throw badRequest(`unknown agent "${name}"; available: ${known}`, 'unknown_agent');
      }
      return name;
    },

    resolve(choices: TurnChoices, threadAgent: string | null): ResolvedTurn {
      const agent = options.agents.get(this.agentName(choices.agent ?? threadAgent ?? options.defaultAgent))!;
      const available = agent.tools.filter((name) => options.toolNames.includes(name));
      const tools = choices.tools ?? available;
      const refused = tools.filter((name) => !available.includes(name));
      if (refused.length > 0) {
        throw badRequest(
          `tool(s) ${refused.join(', ')} are not available to agent ${agent.name}; available: ${available.join(', ') || 'none'}`,
          'unknown_tool',
        );
      }
      return {
        agent: { name: agent.name, version: agent.version },
        model: resolveModel(choices.model ?? agent.model ?? options.defaultModel),
        tools: [...new Set(tools)],
        limits: {
          maxSteps: agent.limits?.maxSteps ?? options.limits.maxSteps,
          maxOutputTokens: agent.limits?.maxOutputTokens ?? options.limits.maxOutputTokens,
          tokenBudget: agent.limits?.tokenBudget ?? options.limits.tokenBudget ?? 0,
          ...(agent.limits?.wallTimeMs ? { wallTimeMs: agent.limits.wallTimeMs } : {}),
        },
        structuredOutput: agent.output !== undefined,
      };
    },
  };
}

export type TurnPolicy = ReturnType<typeof createTurnPolicy>;
