/**
 * A tool call's stored UI part (the state the transcript holds, ui-parts.ts) turned back into the chunks that
 * brought a live viewer's part there: its input, the approval asked and answered, and its outcome. What the
 * `ai` client builds from them equals the stored part: both were made from the same facts.
 */
import { z } from 'zod';
import type { UIMessageChunk } from './ui-chunks.js';

const storedToolPartSchema = z.looseObject({
  type: z.string().startsWith('tool-'),
  toolCallId: z.string(),
  state: z.string(),
  input: z.unknown(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  approval: z.object({ id: z.string(), approved: z.boolean().optional(), reason: z.string().optional() }).optional(),
});

export type StoredToolPart = z.infer<typeof storedToolPartSchema>;

export function parseStoredToolPart(part: unknown): StoredToolPart | undefined {
  const parsed = storedToolPartSchema.safeParse(part);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The call as the model made it. Arguments its schema refused streamed as one `tool-input-error`; the input and
 * an output error build the same part, so every call is replayed this one way.
 */
export function toolInputChunk(part: StoredToolPart): UIMessageChunk {
  return {
    type: 'tool-input-available',
    toolCallId: part.toolCallId,
    toolName: part.type.slice('tool-'.length),
    input: part.input,
  };
}

/** The approval the call waited for, once asked: the request, then the decision when there is one. */
export function approvalChunks(part: StoredToolPart): { request: UIMessageChunk[]; response: UIMessageChunk[] } {
  const { approval } = part;
  if (!approval) return { request: [], response: [] };
  const request: UIMessageChunk[] = [
    { type: 'tool-approval-request', approvalId: approval.id, toolCallId: part.toolCallId },
  ];
  if (approval.approved === undefined) return { request, response: [] };
  const response: UIMessageChunk = {
    type: 'tool-approval-response',
    approvalId: approval.id,
    approved: approval.approved,
    ...(approval.reason !== undefined ? { reason: approval.reason } : {}),
  };
  return { request, response: [response] };
}

/** How the call ended, if it has (its result's UI parts are stored after it, and replayed from there). */
export function toolOutcomeChunks(part: StoredToolPart): UIMessageChunk[] {
  const { toolCallId } = part;
  switch (part.state) {
    case 'output-available':
      return [{ type: 'tool-output-available', toolCallId, output: part.output }];
    case 'output-denied':
      return [{ type: 'tool-output-denied', toolCallId }];
    case 'output-error':
      return [{ type: 'tool-output-error', toolCallId, errorText: part.errorText ?? '' }];
    default:
      return [];
  }
}
