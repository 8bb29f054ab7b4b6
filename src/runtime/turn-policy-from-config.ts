import type { AgentRegistry } from '../agents/agent-registry.js';
import { createTurnPolicy, type TurnPolicy } from '../completions/turn-policy.js';
import type { Config } from '../config.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { configuredProviders } from './providers-from-config.js';

/** The turn policy the server's settings define: the API and the worker (sub-agents) build the same one. */
export function turnPolicyFromConfig(config: Config, tools: ToolRegistry, agents: AgentRegistry): TurnPolicy {
  return createTurnPolicy({
    defaultModel: config.LONGHAUL_DEFAULT_MODEL,
    defaultAgent: config.LONGHAUL_DEFAULT_AGENT,
    configuredProviders: configuredProviders(config),
    allowlist: config.LONGHAUL_MODELS,
    hasTool: (name) => tools.get(name) !== undefined,
    agents,
    limits: {
      maxSteps: config.LONGHAUL_MAX_STEPS,
      maxOutputTokens: config.LONGHAUL_MAX_OUTPUT_TOKENS,
      tokenBudget: config.LONGHAUL_COMPLETION_TOKEN_BUDGET,
      stepsPerRun: config.LONGHAUL_STEPS_PER_RUN,
    },
  });
}
