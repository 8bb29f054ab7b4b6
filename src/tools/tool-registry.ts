/**
 * The tools a worker can run, looked up by name. Turns each zod input schema into the JSON Schema the
 * providers want, and resolves a call's policy (mode, approval, timeouts) for the workflow.
 */
import { z } from 'zod';
import type { ToolSchema } from '../llm/types.js';
import type { ToolCallPolicy } from '../workflows/definitions.js';
import type { ToolDefinition, ToolRetryPolicy } from './tool-definition.js';

export const DEFAULT_APPROVAL_EXPIRY_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_RETRY: ToolRetryPolicy = { maximumAttempts: 3, initialIntervalMs: 1_000, maximumIntervalMs: 30_000 };
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export type { ToolCallPolicy } from '../workflows/definitions.js';

/**
 * `dynamic` adds tools known only at run time (an MCP server's, fetched again on a TTL): asked on every lookup,
 * they come after the static ones, which win a name clash.
 */
export function createToolRegistry(tools: ToolDefinition[], dynamic: () => ToolDefinition[] = () => []) {
  const byName = new Map<string, ToolDefinition>();
  for (const tool of tools) {
    if (!TOOL_NAME.test(tool.name)) throw new Error(`tool name "${tool.name}" must match ${TOOL_NAME}`);
    if (byName.has(tool.name)) throw new Error(`tool "${tool.name}" is declared twice`);
    byName.set(tool.name, tool);
  }

  return {
    names: (): string[] => [...new Set([...byName.keys(), ...dynamic().map((tool) => tool.name)])],
    get: (name: string): ToolDefinition | undefined => byName.get(name) ?? dynamic().find((tool) => tool.name === name),

    /** The provider-facing declarations of the given tools, skipping names this worker does not have. */
    schemasFor(names: readonly string[]): ToolSchema[] {
      return names.flatMap((name) => {
        const tool = this.get(name);
        if (!tool) return [];
        const parameters: Record<string, unknown> = {
          ...(tool.inputJsonSchema ?? z.toJSONSchema(tool.input, { io: 'input' })),
        };
        // Providers take the schema body; the draft marker is noise to them.
        delete parameters.$schema;
        return [{ name: tool.name, description: tool.description, parameters }];
      });
    },

    policyFor(tool: ToolDefinition, input: unknown): ToolCallPolicy {
      const approval = tool.requiresApproval;
      const requiresApproval =
        tool.mode === 'durable' && (typeof approval === 'function' ? approval(input) : approval === true);
      return {
        mode: tool.mode,
        requiresApproval,
        approvalExpiryMs: tool.approvalExpiryMs ?? DEFAULT_APPROVAL_EXPIRY_MS,
        timeoutMs: tool.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        retry: { ...DEFAULT_RETRY, ...tool.retry },
        ...(tool.subagent ? { subagent: tool.subagent } : {}),
      };
    },
  };
}

export type ToolRegistry = ReturnType<typeof createToolRegistry>;
