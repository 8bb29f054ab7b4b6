/**
 * Decides, once a step's stream has ended, what each tool call the model made becomes: a runnable call for the
 * workflow, or a call settled at once (unknown tool, invalid arguments) whose error the model will read. Returns
 * the step's tool parts, the rows to record and the chunks that tell the browser.
 */
import type { NewToolExecution } from '../db/tool-executions-repo.js';
import type { UIPart } from '../db/ui-parts.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import { resolveToolCall } from '../tools/resolve-tool-call.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { toToolPartPatch } from '../tools/tool-result.js';
import type { RunnableToolCall } from '../workflows/definitions.js';
import type { StreamedToolCall } from './step-stream.js';

export function settleToolCalls(
  tools: ToolRegistry,
  allowed: readonly string[],
  calls: StreamedToolCall[],
  ids: Omit<NewToolExecution, 'id' | 'toolName' | 'mode' | 'args' | 'argsText' | 'argsDigest' | 'status' | 'requiresApproval' | 'result'>,
) {
  const parts: UIPart[] = [];
  const records: NewToolExecution[] = [];
  const chunks: UIMessageChunk[] = [];
  const runnable: RunnableToolCall[] = [];
  for (const call of calls) {
    const resolved = resolveToolCall(tools, allowed, call);
    const base = { ...ids, id: call.id, toolName: call.name, args: resolved.input, argsText: call.argsJson, argsDigest: resolved.digest };
    const part = { type: `tool-${call.name}`, toolCallId: call.id, input: resolved.input };
    if (resolved.kind === 'valid') {
      parts.push({ ...part, state: 'input-available' });
      chunks.push({ type: 'tool-input-available', toolCallId: call.id, toolName: call.name, input: resolved.input });
      records.push({ ...base, mode: resolved.policy.mode, status: 'pending', requiresApproval: resolved.policy.requiresApproval, result: null });
      runnable.push({ id: call.id, name: call.name, argsDigest: resolved.digest, ...resolved.policy });
      continue;
    }
    const { result } = resolved;
    const errorText = `${result.kind}: ${result.message}`;
    parts.push({ ...part, ...toToolPartPatch(result) });
    if (result.kind === 'validation_error') {
      chunks.push({ type: 'tool-input-error', toolCallId: call.id, toolName: call.name, input: resolved.input, errorText });
    } else {
      chunks.push(
        { type: 'tool-input-available', toolCallId: call.id, toolName: call.name, input: resolved.input },
        { type: 'tool-output-error', toolCallId: call.id, errorText },
      );
    }
    records.push({
      ...base,
      mode: null,
      status: result.kind === 'validation_error' ? 'invalid' : 'not_found',
      requiresApproval: false,
      result,
    });
  }
  return { parts, records, chunks, runnable };
}
