/**
 * Decides, once a step's stream has ended, what each tool call the model made becomes: a runnable call for the
 * workflow, or a call settled at once (unknown tool, invalid arguments, a host the egress policy refuses) whose
 * error the model will read. The egress policy may also turn a call into a durable one that waits for the
 * user's approval. Returns the step's tool parts, the rows to record and the chunks that tell the browser.
 */
import type { NewToolExecution } from '../db/tool-executions-repo.js';
import type { UIPart } from '../db/ui-parts.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import { resolveToolCall } from '../tools/resolve-tool-call.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { toResultChunks, toToolPartPatch } from '../tools/tool-result.js';
import type { RunnableToolCall } from '../workflows/definitions.js';
import { ruleEgress, type EgressPolicy, type TurnEgress } from './egress.js';
import type { StreamedToolCall } from './step-stream.js';

export function settleToolCalls(
  tools: ToolRegistry,
  allowed: readonly string[],
  calls: StreamedToolCall[],
  ids: Omit<
    NewToolExecution,
    'id' | 'toolName' | 'mode' | 'args' | 'argsText' | 'argsDigest' | 'status' | 'requiresApproval' | 'result'
  >,
  egress: { policy: EgressPolicy; turn: TurnEgress },
) {
  const parts: UIPart[] = [];
  const records: NewToolExecution[] = [];
  const chunks: UIMessageChunk[] = [];
  const runnable: RunnableToolCall[] = [];
  const resolvedCalls = calls.map((call) => ({ call, resolved: resolveToolCall(tools, allowed, call) }));
  const stepReadsPrivateData = resolvedCalls.some(
    ({ call, resolved }) => resolved.kind === 'valid' && tools.get(call.name)?.readsPrivateData === true,
  );
  for (const { call, resolved } of resolvedCalls) {
    const base = {
      ...ids,
      id: call.id,
      toolName: call.name,
      args: resolved.input,
      argsText: call.argsJson,
      argsDigest: resolved.digest,
    };
    const part = { type: `tool-${call.name}`, toolCallId: call.id, input: resolved.input };
    if (resolved.kind === 'valid') {
      const ruling = ruleEgress(egress.policy, egress.turn, stepReadsPrivateData, tools.get(call.name), resolved.input);
      chunks.push({ type: 'tool-input-available', toolCallId: call.id, toolName: call.name, input: resolved.input });
      if (ruling.kind === 'refuse') {
        const result = { kind: 'denied' as const, reason: ruling.reason, expired: false };
        parts.push({ ...part, ...toToolPartPatch(result) });
        chunks.push(...toResultChunks(call.id, result));
        records.push({ ...base, mode: null, status: 'denied', requiresApproval: false, result });
        continue;
      }
      // A call the user must see first runs as a durable, approval-gated call, whatever its usual mode.
      const policy =
        ruling.kind === 'approve'
          ? { ...resolved.policy, mode: 'durable' as const, requiresApproval: true }
          : resolved.policy;
      parts.push({ ...part, state: 'input-available' });
      records.push({
        ...base,
        mode: policy.mode,
        status: 'pending',
        requiresApproval: policy.requiresApproval,
        result: null,
      });
      runnable.push({ id: call.id, name: call.name, argsDigest: resolved.digest, ...policy });
      continue;
    }
    const { result } = resolved;
    const errorText = `${result.kind}: ${result.message}`;
    parts.push({ ...part, ...toToolPartPatch(result) });
    if (result.kind === 'validation_error') {
      chunks.push({
        type: 'tool-input-error',
        toolCallId: call.id,
        toolName: call.name,
        input: resolved.input,
        errorText,
      });
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
