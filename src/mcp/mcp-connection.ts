/**
 * One configured MCP server as seen from a Longhaul process: a client that connects when it can, the tool list
 * it last fetched, and its state for health checks. A server that is down leaves the list empty until a later
 * refresh (every `listTtlMs`) reaches it, so a missing server never stops Longhaul.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { isHttpServer, type McpServerConfig } from './mcp-server-config.js';

export const DEFAULT_LIST_TTL_MS = 5 * 60_000;
/**
 * How long a start (or refresh) waits for a server before counting it as down. A stdio server is a process that
 * is starting (maybe compiling TypeScript on a busy machine), so it gets longer than a server already listening.
 */
const CONNECT_TIMEOUT_MS = { http: 10_000, stdio: 30_000 };

export type McpServerStatus =
  { state: 'up'; tools: number; checkedAt: string } | { state: 'down'; error: string; checkedAt: string };

export interface McpConnection {
  readonly server: McpServerConfig;
  tools(): Tool[];
  status(): McpServerStatus;
  /** Connects if needed and fetches the tool list again; never throws (a failure marks the server down). */
  refresh(): Promise<void>;
  callTool(
    params: { name: string; arguments: Record<string, unknown>; _meta: Record<string, unknown> },
    options: { signal: AbortSignal; timeout: number },
  ): Promise<CallToolResult>;
  close(): Promise<void>;
}

export function createMcpConnection(server: McpServerConfig): McpConnection {
  let client: Client | undefined;
  let tools: Tool[] = [];
  let status: McpServerStatus = { state: 'down', error: 'not contacted yet', checkedAt: new Date().toISOString() };
  const connectTimeoutMs = CONNECT_TIMEOUT_MS[isHttpServer(server) ? 'http' : 'stdio'];

  async function connected(): Promise<Client> {
    if (client) return client;
    const fresh = new Client({ name: 'longhaul', version: '1' });
    const transport = toTransport(server);
    // A closed transport (the server went away) is reconnected on the next refresh or call.
    transport.onclose = () => {
      if (client === fresh) client = undefined;
    };
    await fresh.connect(transport, { timeout: connectTimeoutMs });
    client = fresh;
    return fresh;
  }

  return {
    server,
    tools: () => tools,
    status: () => status,

    async refresh() {
      try {
        const c = await connected();
        const listed: Tool[] = [];
        let cursor: string | undefined;
        do {
          const page = await c.listTools(cursor ? { cursor } : {}, { timeout: connectTimeoutMs });
          listed.push(...page.tools);
          cursor = page.nextCursor;
        } while (cursor);
        tools = listed;
        status = { state: 'up', tools: listed.length, checkedAt: new Date().toISOString() };
      } catch (error) {
        const old = client;
        client = undefined;
        await old?.close().catch(() => undefined);
        tools = [];
        // The error names the failure (refused, timeout), never the headers that carry a token.
        status = { state: 'down', error: (error as Error).message, checkedAt: new Date().toISOString() };
      }
    },

    async callTool(params, options) {
      const c = await connected();
      try {
        return (await c.callTool(params, undefined, options)) as CallToolResult;
      } catch (error) {
        // A server that restarted no longer knows our session: the next attempt connects afresh.
        if (!options.signal.aborted && !(error instanceof McpError && error.code !== ErrorCode.ConnectionClosed)) {
          if (client === c) client = undefined;
          await c.close().catch(() => undefined);
        }
        throw error;
      }
    },

    async close() {
      const old = client;
      client = undefined;
      await old?.close();
    },
  };
}

function toTransport(server: McpServerConfig): Transport {
  if (isHttpServer(server)) {
    return new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: server.headers ?? {} },
    });
  }
  return new StdioClientTransport({
    command: server.command,
    args: server.args ?? [],
    env: { ...getDefaultEnvironment(), ...server.env },
    stderr: 'ignore',
  });
}
