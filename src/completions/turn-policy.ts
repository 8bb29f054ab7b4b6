/**
 * Decides what a turn runs as, for a user's turn and a sub-agent's alike: the agent (request, else the thread's,
 * else the default), the model (request, else the agent's, else the turn's fallback: the server default, or a
 * sub-agent's parent's model; its provider must be configured and it must be on the allowlist when one is set),
 * the tools (the agent's, narrowed by the request) and the limits (the agent's over the server's). Anything
 * unknown or not allowed is a `TurnRefused` naming what exists: the API answers it with a 400, a sub-agent's
 * tool call fails with its message for the model to read.
 */
import type { AgentRegistry } from '../agents/agent-registry.js';
import { parseModelString } from '../llm/model-string.js';
import type { ProviderName } from '../llm/types.js';
import type { CompletionInput, CompletionLimits } from '../workflows/definitions.js';

export class TurnRefused extends Error {
  override name = 'TurnRefused';
  constructor(
    readonly code: 'unknown_model' | 'unknown_agent' | 'unknown_tool',
    message: string,
  ) {
    super(message);
  }
}

export interface TurnChoices {
  agent?: string;
  model?: string;
  tools?: readonly string[];
}

/** Where the turn runs, beyond what was asked for. */
export interface TurnContext {
  /** The agent the thread runs as, if it names one. */
  threadAgent: string | null;
  /** The model when neither the request nor the agent names one; the server's default when absent. */
  fallbackModel?: string;
  /** Tools the agent has that this turn does not get (a sub-agent at the deepest level delegates no further). */
  withheld?: readonly string[];
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
  /** Whether the workers know a tool (asked per turn: an MCP server's tools come and go). */
  hasTool(name: string): boolean;
  agents: AgentRegistry;
  limits: CompletionLimits;
}) {
  function resolveModel(model: string): string {
    const parsed = parseModelString(model);
    if (!parsed)
      throw new TurnRefused('unknown_model', `unknown model "${model}": use openai:<model> or anthropic:<model>`);
    if (!options.configuredProviders.includes(parsed.provider)) {
      throw new TurnRefused('unknown_model', `provider ${parsed.provider} is not configured on this server`);
    }
    if (options.allowlist.length > 0 && !options.allowlist.includes(model)) {
      throw new TurnRefused(
        'unknown_model',
        `model "${model}" is not enabled; enabled: ${options.allowlist.join(', ')}`,
      );
    }
    return model;
  }

  return {
    /** Validates an agent name on its own (thread creation). */
    agentName(name: string): string {
      if (!options.agents.get(name)) {
        const known = options.agents
          .list()
          .map((agent) => agent.name)
          .join(', ');
        throw new TurnRefused('unknown_agent', `unknown agent "${name}"; available: ${known}`);
      }
      return name;
    },

    resolve(choices: TurnChoices, context: TurnContext): ResolvedTurn {
      const agent = options.agents.get(this.agentName(choices.agent ?? context.threadAgent ?? options.defaultAgent))!;
      const available = agent.tools.filter((name) => options.hasTool(name) && !context.withheld?.includes(name));
      const tools = choices.tools ?? available;
      const refused = tools.filter((name) => !available.includes(name));
      if (refused.length > 0) {
        throw new TurnRefused(
          'unknown_tool',
          `tool(s) ${refused.join(', ')} are not available to agent ${agent.name}; available: ${available.join(', ') || 'none'}`,
        );
      }
      return {
        agent: { name: agent.name, version: agent.version },
        model: resolveModel(choices.model ?? agent.model ?? context.fallbackModel ?? options.defaultModel),
        tools: [...new Set(tools)],
        limits: {
          maxSteps: agent.limits?.maxSteps ?? options.limits.maxSteps,
          maxOutputTokens: agent.limits?.maxOutputTokens ?? options.limits.maxOutputTokens,
          tokenBudget: agent.limits?.tokenBudget ?? options.limits.tokenBudget ?? 0,
          ...(agent.limits?.wallTimeMs ? { wallTimeMs: agent.limits.wallTimeMs } : {}),
          ...(options.limits.stepsPerRun ? { stepsPerRun: options.limits.stepsPerRun } : {}),
        },
        structuredOutput: agent.output !== undefined,
      };
    },
  };
}

export type TurnPolicy = ReturnType<typeof createTurnPolicy>;
