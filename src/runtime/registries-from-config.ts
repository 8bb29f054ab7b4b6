import type { AgentRegistry } from '../agents/agent-registry.js';
import { BUILTIN_AGENTS } from '../agents/builtin-agents.js';
import type { Config } from '../config.js';
import { loadProjectConfig } from '../extend/load-project-config.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { agentsFromConfig } from './agents-from-config.js';
import { toolsFromConfig } from './tools-from-config.js';

/**
 * The built-in tools and agents plus the project's (LONGHAUL_CONFIG, else ./longhaul.config.ts). Worker and API
 * both build their registries here, so the names the API accepts are the names the worker runs.
 */
export async function registriesFromConfig(
  config: Config,
): Promise<{ tools: ToolRegistry; agents: AgentRegistry; file: string | undefined }> {
  const project = await loadProjectConfig({
    path: config.LONGHAUL_CONFIG,
    builtinTools: toolsFromConfig(config).names(),
    builtinAgents: BUILTIN_AGENTS.map((agent) => agent.name),
  });
  return {
    tools: toolsFromConfig(config, project.tools),
    agents: agentsFromConfig(project.agents),
    file: project.file,
  };
}
