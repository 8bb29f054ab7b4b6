/**
 * The transcript an ai 5 app loads (GET /v1/threads/:id/messages with its version) shows an approval the way its
 * stream did: a `data-approval` part beside a tool part in a state ai 5 knows, never the approval states and
 * `approval` field it would reject. ai 6 and 7 read the stored form, which their streams build too.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readJson, readTurn, userMessage, versionHeaders } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

type Part = { type: string; state?: string; approval?: unknown };

describe('an approval in the transcript ai 5 loads', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  for (const approved of [true, false]) {
    it(`${approved ? 'approved' : 'denied'}: equals the message ai 5 built from the whole stream`, async () => {
      h.model.enqueue(
        { kind: 'tool-calls', text: ['Paying. '], calls: [{ name: 'transfer', argsChunks: ['{"amount":7}'] }] },
        { kind: 'text', chunks: [approved ? 'Paid.' : 'Not paid.'] },
      );
      const chatId = `chat-${randomUUID()}`;
      const response = await postChat(
        h,
        { id: chatId, trigger: 'submit-message', messages: [userMessage('pay seven')], tools: ['transfer'] },
        h.apiKey,
        versionHeaders(5),
      );
      const completionId = response.headers.get('x-longhaul-completion-id')!;
      const asking = await readTurn(response, 5);
      const request = asking.chunks.find((c) => c.type === 'data-approval') as {
        data: { toolCallId: string; argsDigest: string };
      };
      const decided = await h.api(`/v1/approvals/${request.data.toolCallId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: approved ? 'approve' : 'deny', argsDigest: request.data.argsDigest }),
      });
      expect(decided.status).toBe(200);
      await waitFor(
        async () =>
          (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status ===
          'completed',
      );
      const streamed = (await readTurn(await h.api(`/v1/completions/${completionId}/events?uiVersion=5`), 5)).message;

      const { messages } = await readJson(
        await h.api(`/v1/threads/${chatId}/messages`, { headers: versionHeaders(5) }),
      );
      const loaded = messages.at(-1) as { id: string; parts: Part[] };
      expect(loaded.id).toBe(streamed.id);
      expect(loaded.parts).toEqual(streamed.parts);
      const tool = loaded.parts.find((part) => part.type === 'tool-transfer')!;
      expect(tool.state).toBe(approved ? 'output-available' : 'input-available');
      expect(tool).not.toHaveProperty('approval');
      expect(loaded.parts.find((part) => part.type === 'data-approval')).toMatchObject({
        id: `approval-${request.data.toolCallId}`,
        data: { toolCallId: request.data.toolCallId, state: approved ? 'requested' : 'denied' },
      });

      // ai 6 loads the stored form, approval and all.
      const six = (await readJson(await h.api(`/v1/threads/${chatId}/messages`, { headers: versionHeaders(6) })))
        .messages;
      const stored = (await readJson(await h.api(`/v1/threads/${chatId}/messages?uiVersion=7`))).messages;
      expect(six).toEqual(stored);
      expect(stored.at(-1).parts.find((part: Part) => part.type === 'tool-transfer').approval).toBeDefined();
    });
  }
});
