/**
 * The `longhaul` package: what a project's configuration module and an embedding app import. Everything else
 * under src/ is internal and may change without notice.
 */
export { defineConfig, type AnyToolDefinition, type LonghaulConfig } from '../extend/define-config.js';
export {
  defineTool,
  type ToolContext,
  type ToolDefinition,
  type ToolMode,
  type ToolRetryPolicy,
  type ToolUIPart,
} from '../tools/tool-definition.js';
export {
  defineAgent,
  type AgentDefinition,
  type AgentEgressPolicy,
  type AgentLimits,
  type AgentPromptContext,
} from '../agents/agent-definition.js';
export type {
  McpApproval,
  McpHttpServerConfig,
  McpServerConfig,
  McpStdioServerConfig,
} from '../mcp/mcp-server-config.js';
export type { McpServerStatus } from '../mcp/mcp-connection.js';
export type { McpToolSource } from '../mcp/mcp-tool-source.js';

// To run the worker and the API inside an app's own process, as src/worker.ts and src/server.ts do.
export { loadConfig, parseConfig, type Config } from '../config.js';
export { createLogger, type Logger } from '../log.js';
export { migrate } from '../db/migrate.js';
export { connectTemporal, createPool, createRedis } from '../runtime/connections.js';
export { providersFromConfig } from '../runtime/providers-from-config.js';
export { registriesFromConfig } from '../runtime/registries-from-config.js';
export { createWorker } from '../runtime/create-worker.js';
export { createApi } from '../runtime/create-api.js';
export { ProjectConfigError } from '../extend/load-project-config.js';
