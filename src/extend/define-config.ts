/**
 * The shape of a project's `longhaul.config.ts`: the tools, agents and MCP servers it adds to the built-in ones. The module
 * is imported by the worker and the API at start, never by workflow code, so user code runs only in activities.
 */
import type { AgentDefinition } from '../agents/agent-definition.js';
import type { McpServerConfig } from '../mcp/mcp-server-config.js';
import type { ToolDefinition } from '../tools/tool-definition.js';

/**
 * Any tool, whatever its input and output: each tool's types are its own, and the worker checks every input
 * against the tool's schema at run time before `execute` sees it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyToolDefinition = ToolDefinition<any, any>;

export interface LonghaulConfig {
  tools?: AnyToolDefinition[];
  agents?: AgentDefinition[];
  /** Each server's tools join the registry as `<server>__<tool>`; an agent names them like any tool. */
  mcpServers?: McpServerConfig[];
}

/** Declares a project configuration; the identity, so a config module gets types without annotations. */
export function defineConfig(config: LonghaulConfig): LonghaulConfig {
  return config;
}
