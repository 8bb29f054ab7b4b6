import type { Config } from '../config.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';
import { createBuiltinTools } from '../tools/builtin/index.js';
import type { ToolDefinition } from '../tools/tool-definition.js';
import { createToolRegistry, type ToolRegistry } from '../tools/tool-registry.js';

/**
 * The built-in tools configured from env, plus any a caller adds (an embedding app, or tests), plus the tools
 * of the MCP servers that currently answer.
 */
export function toolsFromConfig(config: Config, extra: ToolDefinition[] = [], mcp?: McpToolSource): ToolRegistry {
  return createToolRegistry(
    [
      ...createBuiltinTools({
        fetchUrl: {
          allowPrivateNetworks: config.LONGHAUL_FETCH_ALLOW_PRIVATE,
          maxBytes: config.LONGHAUL_FETCH_MAX_BYTES,
          timeoutMs: config.LONGHAUL_FETCH_TIMEOUT_MS,
          maxRedirects: config.LONGHAUL_FETCH_MAX_REDIRECTS,
          allowedHosts: config.LONGHAUL_FETCH_ALLOWED_HOSTS,
        },
      }),
      ...extra,
    ],
    mcp?.tools,
  );
}
