/**
 * How a project declares an MCP server in `defineConfig({ mcpServers })`. Its tools join the registry as
 * `<server>__<tool>`, so a server name holds no underscore and leaves room for the tool's name within 64.
 */

/** Which of a server's tools wait for a person: all, none, the named ones, or a decision per call. */
export type McpApproval = 'always' | 'never' | string[] | ((toolName: string, args: unknown) => boolean);

interface McpServerCommon {
  /** `^[a-zA-Z0-9][a-zA-Z0-9-]{0,29}$`: the prefix of its tools' names. */
  name: string;
  /** Default `never`: a call runs as an activity; otherwise as a durable child workflow that waits for approval. */
  approval?: McpApproval;
  /** How long one `tools/call` may take. Default 60 s. */
  timeoutMs?: number;
  /** How often the tool list is fetched again (and a server that was down is tried again). Default 5 min. */
  listTtlMs?: number;
}

/** Streamable HTTP. Header values may name environment variables, `${env:TOKEN}`, resolved at start. */
export interface McpHttpServerConfig extends McpServerCommon {
  url: string;
  headers?: Record<string, string>;
}

/** A local process spoken to over stdio. `env` values may name environment variables like headers do. */
export interface McpStdioServerConfig extends McpServerCommon {
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

export type McpServerConfig = McpHttpServerConfig | McpStdioServerConfig;

export const MCP_SERVER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,29}$/;
/** Between a server's name and its tool's: `docs__search`. */
export const MCP_TOOL_SEPARATOR = '__';

export function isHttpServer(server: McpServerConfig): server is McpHttpServerConfig {
  return 'url' in server;
}
