import type { ToolDefinition } from '../tool-definition.js';
import { currentTimeTool } from './current-time.js';
import { createFetchUrlTool, type FetchUrlOptions } from './fetch-url.js';
import { listNotesTool, readNoteTool, saveNoteTool } from './notes.js';
import { researchTool } from './research.js';

export interface BuiltinToolsOptions {
  fetchUrl: FetchUrlOptions;
}

/**
 * Forgets a tool's input type so differently typed tools fit one list (a function-typed `requiresApproval`
 * makes ToolDefinition invariant in its input). Sound because callers hand a tool only what its own `input`
 * schema parsed.
 */
function withUnknownInput<Input, Output>(tool: ToolDefinition<Input, Output>): ToolDefinition {
  return tool as ToolDefinition;
}

/** The tools every deployment offers; a factory because fetch_url's limits come from config. */
export function createBuiltinTools(options: BuiltinToolsOptions): ToolDefinition[] {
  return [
    withUnknownInput(currentTimeTool),
    withUnknownInput(createFetchUrlTool(options.fetchUrl)),
    withUnknownInput(saveNoteTool),
    withUnknownInput(listNotesTool),
    withUnknownInput(readNoteTool),
    withUnknownInput(researchTool),
  ];
}
