/**
 * Stages "a pending approval" the way a user meets one: the model asks for the approval-gated test tool
 * `transfer`, the turn is posted to /api/chat and read to its end (it ends at the approval request), and the
 * request is looked up in the approvals inbox.
 */
import { randomUUID } from 'node:crypto';
import type { UIMessageChunk } from 'ai';
import { expect } from 'vitest';
import type { Script, ScriptUsage } from '../../src/llm/scripted/script.js';
import { postChat, readJson, readValidatedChunks, userMessage } from './chat-client.js';
import type { Harness } from './harness.js';

/** The fields of an inbox entry that tests use; the response is loose JSON, so this is not checked. */
export interface PendingApproval {
  toolCallId: string;
  argsDigest: string;
  threadId: string;
  completionId: string;
  toolName: string;
  args: unknown;
}

/** The inbox entry (GET /v1/approvals, pending by default) for a thread, asserted to be there. */
export async function findPendingApproval(h: Harness, threadId: string): Promise<PendingApproval> {
  const { approvals } = await readJson(await h.api('/v1/approvals?status=pending'));
  const approval = approvals.find((a: { threadId: string }) => a.threadId === threadId);
  expect(approval, 'a pending approval for the thread').toBeDefined();
  return approval as PendingApproval;
}

/**
 * Starts a turn on a new thread whose model asks for one `transfer` of `amount` and returns once that call
 * awaits approval. `then` is what the model answers after the decision (nothing, for a turn never decided).
 */
export async function startPendingTransfer(
  h: Harness,
  options: { amount: number; then?: Script[]; text?: string; usage?: ScriptUsage },
): Promise<{ chatId: string; completionId: string; chunks: UIMessageChunk[]; approval: PendingApproval }> {
  const { amount, then = [], text = 'pay', usage } = options;
  h.model.enqueue(
    { kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: [JSON.stringify({ amount })] }], usage },
    ...then,
  );
  const chatId = `chat-${randomUUID()}`;
  const response = await postChat(h, {
    id: chatId,
    trigger: 'submit-message',
    messages: [userMessage(text)],
    tools: ['transfer'],
  });
  const completionId = response.headers.get('x-longhaul-completion-id')!;
  const chunks = await readValidatedChunks(response);
  return { chatId, completionId, chunks, approval: await findPendingApproval(h, chatId) };
}
