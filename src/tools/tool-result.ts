/**
 * What a tool call ends as. It is data the model reads (never a dead stream), the UI part state the browser
 * shows, and the chunk that moves the browser's part there.
 */
import { z } from 'zod';
import type { UIMessageChunk } from '../stream/ui-chunks.js';

export const toolResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('completed'),
    output: z.unknown(),
    uiParts: z.array(z.looseObject({ type: z.string() })).optional(),
  }),
  z.object({ kind: z.literal('pending'), message: z.string() }),
  z.object({ kind: z.literal('validation_error'), message: z.string() }),
  z.object({ kind: z.literal('not_found_error'), message: z.string() }),
  z.object({ kind: z.literal('failed'), message: z.string() }),
  z.object({ kind: z.literal('denied'), reason: z.string(), expired: z.boolean() }),
]);

export type ToolResult = z.infer<typeof toolResultSchema>;
export type ToolResultKind = ToolResult['kind'];

/** What a background call answers at once; its final result is added to the thread when it lands. */
export const BACKGROUND_PENDING_RESULT: ToolResult = {
  kind: 'pending',
  message: 'running in the background; the result will be added to the thread',
};

/** The fields a UI tool part takes on when this result lands (merged into the stored part). */
export function toToolPartPatch(result: ToolResult, approvalId?: string): Record<string, unknown> {
  switch (result.kind) {
    case 'completed':
      return { state: 'output-available', output: result.output };
    case 'pending':
      return { state: 'output-available', output: { status: 'pending', message: result.message } };
    case 'denied':
      return {
        state: 'output-denied',
        ...(approvalId ? { approval: { id: approvalId, approved: false, reason: result.reason } } : {}),
      };
    default:
      return { state: 'output-error', errorText: `${result.kind}: ${result.message}` };
  }
}

/** The JSON the model reads as the tool's answer (UI parts are for the client only). */
export function toModelToolContent(result: ToolResult): string {
  if (result.kind !== 'completed') return JSON.stringify(result);
  return JSON.stringify({ kind: result.kind, output: result.output });
}

/** Tool execution status recorded for each result kind. */
export const STATUS_FOR_RESULT: Record<ToolResultKind, string> = {
  completed: 'completed',
  pending: 'running',
  validation_error: 'invalid',
  not_found_error: 'not_found',
  failed: 'failed',
  denied: 'denied',
};

/** The chunks that move the browser's tool part to this result, then add the result's UI parts. */
export function toResultChunks(toolCallId: string, result: ToolResult): UIMessageChunk[] {
  const extra = result.kind === 'completed' ? (result.uiParts ?? []) : [];
  return [toOutputChunk(toolCallId, result), ...(extra as UIMessageChunk[])];
}

function toOutputChunk(toolCallId: string, result: ToolResult): UIMessageChunk {
  switch (result.kind) {
    case 'completed':
      return { type: 'tool-output-available', toolCallId, output: result.output };
    case 'pending':
      return { type: 'tool-output-available', toolCallId, output: { status: 'pending', message: result.message } };
    case 'denied':
      return { type: 'tool-output-denied', toolCallId };
    default:
      return { type: 'tool-output-error', toolCallId, errorText: `${result.kind}: ${result.message}` };
  }
}
