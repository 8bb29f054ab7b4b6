/**
 * Turns a tool an MCP server lists into a Longhaul tool named `<server>__<tool>`: the server's JSON Schema is what
 * providers see and what every call is validated against, the approval policy decides between an activity and a
 * durable child workflow, and the call goes through the run-tool path like any other tool (Stop aborts it).
 */
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { FinalToolFailure, type ToolDefinition } from '../tools/tool-definition.js';
import type { McpConnection } from './mcp-connection.js';
import { MCP_RESULT_MAX_CHARS, toMcpToolOutput, toMcpUiParts, type McpToolOutput } from './mcp-result.js';
import { MCP_TOOL_SEPARATOR, type McpServerConfig } from './mcp-server-config.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const DEFAULT_TIMEOUT_MS = 60_000;
const ACTIVITY_GRACE_MS = 5_000;
/** Where the tool call id travels in `_meta`, so a server can deduplicate a retried call. */
export const MCP_TOOL_CALL_ID_META = 'longhaul/toolCallId';

/** The Longhaul tool for `tool`, or a reason it cannot be offered (a name too long, a schema zod cannot read). */
export function toMcpToolDefinition(
  connection: McpConnection,
  tool: Tool,
): { tool: ToolDefinition<Record<string, unknown>, McpToolOutput> } | { skipped: string } {
  const { server } = connection;
  const name = `${server.name}${MCP_TOOL_SEPARATOR}${tool.name}`;
  if (!TOOL_NAME.test(name)) return { skipped: `${name}: the name does not match ${TOOL_NAME}` };
  let input: z.ZodType<Record<string, unknown>>;
  try {
    input = z.fromJSONSchema(tool.inputSchema as z.core.JSONSchema.JSONSchema) as z.ZodType<Record<string, unknown>>;
  } catch (error) {
    return { skipped: `${name}: its input schema cannot be read (${(error as Error).message})` };
  }
  const timeoutMs = server.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    tool: {
      name,
      description: tool.description ?? tool.title ?? tool.name,
      input,
      inputJsonSchema: tool.inputSchema,
      ...mcpApprovalPolicy(server.approval, tool.name),
      // The request gives up first, so a server that hangs is a `failed` result the model reads rather than an
      // activity timeout that Temporal retries.
      timeoutMs: timeoutMs + ACTIVITY_GRACE_MS,
      // The result is already cut to MCP_RESULT_MAX_CHARS with a note saying so; a second, generic cut for the model
      // would cut that note off. The margin covers the note and the JSON the result travels in.
      maxModelOutputChars: MCP_RESULT_MAX_CHARS + 1_000,
      async execute(args, context) {
        try {
          const result = await connection.callTool(
            { name: tool.name, arguments: args, _meta: { [MCP_TOOL_CALL_ID_META]: context.toolCallId } },
            { signal: context.signal, timeout: timeoutMs },
          );
          const output = toMcpToolOutput(result);
          if (result.isError) throw new FinalToolFailure(output.text || 'the server reported an error');
          return output;
        } catch (error) {
          // A JSON-RPC error (unknown tool, bad params, a server that timed out) will answer the same again;
          // only a transport failure (refused, reset, closed) is worth another attempt.
          if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
            throw new FinalToolFailure(error.message);
          }
          // The server answered, so it may have acted: a garbled answer is not retried, lest the tool run twice.
          if (isMalformedAnswer(error)) {
            throw new FinalToolFailure(`the server's answer is malformed: ${(error as Error).message}`);
          }
          throw error;
        }
      },
      uiParts: toMcpUiParts,
    },
  };
}

/**
 * A tool the server's policy may gate runs as a durable child workflow (it can wait days for a person); any other
 * runs as an activity. A function decides per call, so its tools are durable and ask only when it says so.
 */
export function mcpApprovalPolicy(
  approval: McpServerConfig['approval'] = 'never',
  toolName: string,
): Pick<ToolDefinition<Record<string, unknown>>, 'mode' | 'requiresApproval'> {
  if (typeof approval === 'function') {
    return { mode: 'durable', requiresApproval: (args) => approval(toolName, args) };
  }
  const gated = approval === 'always' || (Array.isArray(approval) && approval.includes(toolName));
  return gated ? { mode: 'durable', requiresApproval: true } : { mode: 'inline' };
}

/** JSON that does not parse, or JSON-RPC whose shape the SDK's schemas refuse (its zod, maybe not our copy). */
function isMalformedAnswer(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && /^\$?ZodError$/.test(error.name));
}
