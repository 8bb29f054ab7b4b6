/**
 * The MCP servers a process uses: lists their tools at start and again every `listTtlMs`, and offers the tools
 * of the servers that answered to the tool registry. Worker and API each hold one, so the names the API accepts
 * are the names the worker can run.
 */
import type { ToolDefinition } from '../tools/tool-definition.js';
import { createMcpConnection, DEFAULT_LIST_TTL_MS, type McpServerStatus } from './mcp-connection.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { toMcpToolDefinition } from './mcp-tool.js';

export interface McpToolSource {
  tools(): ToolDefinition[];
  status(): Record<string, McpServerStatus>;
  /** Lists every server's tools now (what the TTL timer does); never throws. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export async function createMcpToolSource(
  servers: McpServerConfig[],
  warn: (message: string) => void = () => undefined,
): Promise<McpToolSource> {
  const connections = servers.map((server) => {
    const connection = createMcpConnection(server);
    let tools: ToolDefinition[] = [];
    let first = true;
    return {
      connection,
      tools: () => tools,
      async refresh() {
        const before = connection.status().state;
        await connection.refresh();
        const status = connection.status();
        if (status.state === 'down' && (first || before === 'up')) {
          warn(`MCP server ${server.name} is down: ${status.error}`);
        }
        first = false;
        tools = connection.tools().flatMap((tool) => {
          const made = toMcpToolDefinition(connection, tool);
          if ('skipped' in made) warn(`MCP server ${server.name}: skipped ${made.skipped}`);
          return 'tool' in made ? [made.tool as ToolDefinition] : [];
        });
      },
    };
  });
  await Promise.all(connections.map((c) => c.refresh()));
  const timers = connections.map((c) => {
    const timer = setInterval(() => void c.refresh(), c.connection.server.listTtlMs ?? DEFAULT_LIST_TTL_MS);
    timer.unref();
    return timer;
  });

  return {
    tools: () => connections.flatMap((c) => c.tools()),
    status: () => Object.fromEntries(connections.map((c) => [c.connection.server.name, c.connection.status()])),
    refresh: async () => void (await Promise.all(connections.map((c) => c.refresh()))),
    async close() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(connections.map((c) => c.connection.close().catch(() => undefined)));
    },
  };
}
