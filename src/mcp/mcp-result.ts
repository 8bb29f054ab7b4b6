/**
 * Maps an MCP `tools/call` result to what Longhaul keeps: text for the model (cut at a size cap, with a note
 * saying so), and the resources it names, which the client shows as `source-url` / `source-document` parts.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolUIPart } from '../tools/tool-definition.js';

export const MCP_RESULT_MAX_CHARS = 50_000;

export interface McpResource {
  uri: string;
  title?: string;
  mimeType?: string;
}

export interface McpToolOutput {
  text: string;
  structured?: unknown;
  resources?: McpResource[];
}

export function toMcpToolOutput(result: CallToolResult, maxChars = MCP_RESULT_MAX_CHARS): McpToolOutput {
  const texts: string[] = [];
  const resources: McpResource[] = [];
  for (const block of result.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'resource_link') {
      resources.push(named(block.uri, block.title ?? block.name, block.mimeType));
    } else if (block.type === 'resource') {
      const { resource } = block;
      if ('text' in resource) texts.push(resource.text);
      resources.push(named(resource.uri, undefined, resource.mimeType));
    } else {
      texts.push(`[${block.type} content omitted]`);
    }
  }
  const joined = texts.join('\n');
  const text =
    joined.length > maxChars
      ? `${joined.slice(0, maxChars)}\n[truncated: the result had ${joined.length} characters; only the first ${maxChars} are shown]`
      : joined;
  const structured = result.structuredContent;
  const structuredChars = structured === undefined ? 0 : JSON.stringify(structured).length;
  const structuredFits = structured !== undefined && structuredChars <= maxChars;
  const structuredNote =
    structured !== undefined && !structuredFits
      ? `\n[structured content omitted: ${structuredChars} characters, over the cap of ${maxChars}]`
      : '';
  return {
    text: `${text}${structuredNote}`,
    ...(structuredFits ? { structured } : {}),
    ...(resources.length ? { resources } : {}),
  };
}

/** A web address becomes a `source-url`; anything else (a file, a custom scheme) a `source-document`. */
export function toMcpUiParts(output: McpToolOutput): ToolUIPart[] {
  return (output.resources ?? []).map((resource, index) => {
    const sourceId = `mcp-${index}-${resource.uri}`;
    if (/^https?:\/\//i.test(resource.uri)) {
      return { type: 'source-url', sourceId, url: resource.uri, ...(resource.title ? { title: resource.title } : {}) };
    }
    const filename = resource.uri.split('/').at(-1) || resource.uri;
    return {
      type: 'source-document',
      sourceId,
      mediaType: resource.mimeType ?? 'application/octet-stream',
      title: resource.title ?? filename,
      filename,
    };
  });
}

function named(uri: string, title: string | undefined, mimeType: string | undefined): McpResource {
  return { uri, ...(title ? { title } : {}), ...(mimeType ? { mimeType } : {}) };
}
