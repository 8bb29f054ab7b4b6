/**
 * Chunks for the client's protocol version. ai v5 rejects `tool-approval-request` and `tool-output-denied`
 * outright, so v5 clients get the same facts as a `data-approval` part (updated in place by its id) and decide
 * through POST /v1/approvals/:toolCallId instead.
 */
import { z } from 'zod';
import type { StreamEvent } from './stream-event.js';

export type ClientVersion = 5 | 6;

const approvalRequestSchema = z.object({ approvalId: z.string(), toolCallId: z.string() });
const deniedSchema = z.object({ toolCallId: z.string() });

export function forClientVersion(event: StreamEvent, version: ClientVersion): StreamEvent {
  if (version >= 6) return event;
  if (event.type === 'tool-approval-request') {
    const { approvalId, toolCallId } = approvalRequestSchema.parse(JSON.parse(event.json));
    const argsDigest = approvalId.slice(approvalId.lastIndexOf(':') + 1);
    return dataApproval(event.seq, toolCallId, { toolCallId, approvalId, argsDigest, state: 'requested' });
  }
  if (event.type === 'tool-output-denied') {
    const { toolCallId } = deniedSchema.parse(JSON.parse(event.json));
    return dataApproval(event.seq, toolCallId, { toolCallId, state: 'denied' });
  }
  return event;
}

function dataApproval(seq: number, toolCallId: string, data: Record<string, string>): StreamEvent {
  return {
    seq,
    type: 'data-approval',
    json: JSON.stringify({ type: 'data-approval', id: `approval-${toolCallId}`, data }),
  };
}
