import type { AgentRegistry } from '../agents/agent-registry.js';
import { BUILTIN_AGENTS } from '../agents/builtin-agents.js';
import { projectEnv, type Config } from '../config.js';
import { loadProjectConfig } from '../extend/load-project-config.js';
import { createMcpToolSource, type McpToolSource } from '../mcp/mcp-tool-source.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { agentsFromConfig } from './agents-from-config.js';
import { toolsFromConfig } from './tools-from-config.js';

/**
 * The built-in tools and agents plus the project's (LONGHAUL_CONFIG, else ./longhaul.config.ts). Worker and API
 * both build their registries here, so the names the API accepts are the names the worker runs. Each connects to
 * the project's MCP servers (a server that is down only leaves its tools out); the caller closes `mcp` at shutdown.
 */
export async function registriesFromConfig(
  config: Config,
  warn?: (message: string) => void,
): Promise<{ tools: ToolRegistry; agents: AgentRegistry; mcp: McpToolSource; file: string | undefined }> {
  const project = await loadProjectConfig({
    path: config.LONGHAUL_CONFIG,
    builtinTools: toolsFromConfig(config).names(),
    builtinAgents: BUILTIN_AGENTS.map((agent) => agent.name),
    env: projectEnv(),
  });
  const mcp = await createMcpToolSource(project.mcpServers, warn);
  return {
    tools: toolsFromConfig(config, project.tools, mcp),
    agents: agentsFromConfig(project.agents),
    mcp,
    file: project.file,
  };
}
