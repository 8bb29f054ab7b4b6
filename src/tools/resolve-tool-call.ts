/**
 * Decides what a tool call the model made is, before anything runs: a call of an unknown (or not selected) tool,
 * a call with arguments that are not valid JSON or fail the tool's schema, or a valid call with its policy.
 */
import type { ToolResult } from './tool-result.js';
import { argsDigest } from './args-digest.js';
import type { ToolCallPolicy, ToolRegistry } from './tool-registry.js';

export type ResolvedToolCall =
  | { kind: 'valid'; input: unknown; digest: string; policy: ToolCallPolicy }
  | {
      kind: 'rejected';
      input: unknown;
      digest: string;
      result: Extract<ToolResult, { kind: 'validation_error' | 'not_found_error' }>;
    };

export function resolveToolCall(
  registry: ToolRegistry,
  allowed: readonly string[],
  call: { name: string; argsJson: string },
): ResolvedToolCall {
  let raw: unknown;
  let jsonError: string | undefined;
  try {
    raw = call.argsJson.trim() === '' ? {} : JSON.parse(call.argsJson);
  } catch (error) {
    jsonError = (error as Error).message;
    raw = call.argsJson;
  }
  const digest = argsDigest(raw);
  const tool = allowed.includes(call.name) ? registry.get(call.name) : undefined;
  if (!tool) {
    const available = allowed.filter((name) => registry.get(name)).join(', ') || 'none';
    return {
      kind: 'rejected',
      input: raw,
      digest,
      result: { kind: 'not_found_error', message: `no tool named "${call.name}"; available tools: ${available}` },
    };
  }
  if (jsonError !== undefined) {
    return {
      kind: 'rejected',
      input: raw,
      digest,
      result: { kind: 'validation_error', message: `arguments are not valid JSON (${jsonError})` },
    };
  }
  const parsed = tool.input.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`)
      .join('; ');
    return { kind: 'rejected', input: raw, digest, result: { kind: 'validation_error', message: issues } };
  }
  return { kind: 'valid', input: parsed.data, digest, policy: registry.policyFor(tool, parsed.data) };
}
