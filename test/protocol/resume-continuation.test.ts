/**
 * A reload while the answer goes on after an approval: useChat resumes with GET /api/chat/:id/stream and rebuilds
 * the message from the first `start` it reads, so the replay must be the whole assistant message (its first
 * segment too, without that segment's `finish`), or the continuation's tool output names a call the client never
 * saw. Read by ai 7 (no header) and ai 6 (its header), the resumed message equals the transcript; ai 6, which
 * rejects `tool-approval-response`, cannot learn on the stream how the approval was decided, only that it was asked
 * (its app has the decision from data-approval_status on the user's channel, or made it itself).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, readTurn, textOf, versionHeaders } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

describe.each([7, 6] as const)('ai %i resumes during the continuation after an approval', (version) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  const words = Array.from({ length: 30 }, (_, i) => `w${i} `);

  it('the resumed message is the whole answer, as the transcript holds it', async () => {
    const { chatId, completionId, approval } = await startPendingTransfer(h, {
      amount: 5,
      then: [{ kind: 'text', chunks: words, delayMs: 50 }],
    });
    const requestsBefore = h.model.requests.length;
    const decided = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: approval.argsDigest }),
    });
    expect(decided.status).toBe(200);
    // The continuation is streaming: its model call has begun and its text is on the way.
    await h.model.waitForRequests(requestsBefore + 1, 10_000);

    const resumed = await h.api(`/api/chat/${chatId}/stream`, { headers: versionHeaders(version) });
    expect(resumed.status).toBe(200);
    const { message, chunks } = await readTurn(resumed, version);
    expect(chunks.filter((chunk) => chunk.type === 'finish')).toHaveLength(1);
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(textOf(message)).toBe(words.join(''));

    await waitFor(
      async () =>
        (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status ===
        'completed',
    );
    const { messages } = await readJson(
      await h.api(`/v1/threads/${chatId}/messages`, { headers: versionHeaders(version) }),
    );
    const stored = messages.at(-1);
    expect(message.id).toBe(stored.id);
    const transfer = stored.parts.find((part: { type: string }) => part.type === 'tool-transfer');
    expect(transfer).toMatchObject({ state: 'output-available', approval: { approved: true } });
    if (version === 6) transfer.approval = { id: transfer.approval.id };
    expect(message.parts).toEqual(stored.parts);
  });
});
