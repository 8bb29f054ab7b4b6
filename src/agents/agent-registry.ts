/**
 * The agents a deployment offers, by name. The API resolves names (400 for unknown ones) and the worker builds
 * each call's system prompt from the same registry.
 */
import { hostPatternSchema } from '../tools/egress-hosts.js';
import { MAX_STEPS_LIMIT, type AgentDefinition } from './agent-definition.js';

const AGENT_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

export function createAgentRegistry(agents: AgentDefinition[]) {
  const byName = new Map<string, AgentDefinition>();
  for (const agent of agents) {
    if (!AGENT_NAME.test(agent.name)) throw new Error(`agent name "${agent.name}" must match ${AGENT_NAME}`);
    if (byName.has(agent.name)) throw new Error(`agent "${agent.name}" is declared twice`);
    for (const host of agent.egress?.allowedHosts ?? []) {
      const checked = hostPatternSchema.safeParse(host);
      if (!checked.success)
        throw new Error(`agent "${agent.name}": allowed host "${host}" ${checked.error.issues[0]?.message}`);
    }
    const maxSteps = agent.limits?.maxSteps;
    if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps >= 1 && maxSteps <= MAX_STEPS_LIMIT))
      throw new Error(`agent "${agent.name}": limits.maxSteps must be an integer from 1 to ${MAX_STEPS_LIMIT}`);
    checkContextPolicy(agent);
    byName.set(agent.name, agent);
  }
  return {
    get: (name: string): AgentDefinition | undefined => byName.get(name),
    list: (): AgentDefinition[] => [...byName.values()],
  };
}

/** A window that leaves nothing once the answer's reserve is taken is refused when the agent loads, not per turn. */
function checkContextPolicy({ name, context }: AgentDefinition): void {
  if (!context) return;
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      throw new Error(`agent "${name}": context.${key} must be a positive whole number of tokens`);
  }
  const { windowTokens, reserveTokens } = context;
  if (windowTokens !== undefined && reserveTokens !== undefined && reserveTokens >= windowTokens)
    throw new Error(
      `agent "${name}": context.windowTokens (${windowTokens}) leaves no room for the system prompt and the transcript once context.reserveTokens (${reserveTokens}) is kept for the answer`,
    );
}

export type AgentRegistry = ReturnType<typeof createAgentRegistry>;
