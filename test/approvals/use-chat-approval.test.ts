import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from 'ai';
import { startHarness, type Harness } from '../support/harness.js';
import { NodeChat, RecordingTransport } from '../support/node-chat.js';
import { textOf } from '../support/chat-client.js';

type ToolPart = { type: string; toolCallId: string; state: string; approval?: { id: string }; output?: any };

describe('useChat (ai 7) approval flow for save_note', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  function newChat(id: string) {
    const transport = new RecordingTransport({
      api: `${h.apiUrl}/api/chat`,
      headers: { authorization: `Bearer ${h.apiKey}` },
      body: { tools: ['save_note', 'list_notes'] },
    });
    const chat = new NodeChat<UIMessage>({
      id,
      transport,
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    return { chat, chunks: transport.chunks };
  }
  const toolPart = (message: UIMessage | undefined) =>
    message?.parts.find((part) => part.type === 'tool-save_note') as ToolPart | undefined;

  for (const approved of [true, false]) {
    it(`${approved ? 'approves' : 'denies'} and continues in the same assistant message`, async () => {
      const chatId = `chat-${randomUUID()}`;
      const title = `groceries-${randomUUID().slice(0, 8)}`;
      h.model.enqueue(
        {
          kind: 'tool-calls',
          text: ['Let me save that. '],
          calls: [{ name: 'save_note', argsChunks: ['{"title":', JSON.stringify(title), ',"body":"milk, eggs"}'] }],
        },
        { kind: 'text', chunks: approved ? ['Saved ', 'your note.'] : ['OK, ', 'not saved.'] },
      );
      const requestsBefore = h.model.requests.length;
      const { chat, chunks } = newChat(chatId);
      await chat.sendMessage({ text: 'Remember to buy milk and eggs' });
      await chat.settled();

      const asking = chat.messages.at(-1)!;
      expect(asking.role).toBe('assistant');
      const requested = toolPart(asking);
      expect(requested?.state).toBe('approval-requested');
      const pending = (await (await h.api('/v1/approvals?status=pending')).json()) as any;
      expect(pending.approvals.map((a: { toolCallId: string }) => a.toolCallId)).toContain(requested!.toolCallId);
      const { rows: waiting } = await h.pool.query(
        `SELECT status FROM completions WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1)`,
        [chatId],
      );
      expect(waiting[0].status).toBe('awaiting_approval');

      await chat.addToolApprovalResponse({
        id: requested!.approval!.id,
        approved,
        ...(approved ? {} : { reason: 'not now' }),
      });
      await chat.settled();

      expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      const final = chat.messages[1]!;
      expect(final.id).toBe(asking.id);
      const part = toolPart(final)!;
      expect(part.state).toBe(approved ? 'output-available' : 'output-denied');
      expect(textOf(final)).toBe(approved ? 'Let me save that. Saved your note.' : 'Let me save that. OK, not saved.');

      const { rows: notes } = await h.pool.query(`SELECT id, title FROM notes WHERE title = $1`, [title]);
      expect(notes).toHaveLength(approved ? 1 : 0);
      if (approved) {
        expect(notes[0].id).toBe(part.toolCallId);
        expect(part.output).toMatchObject({ noteId: part.toolCallId, title });
      }

      const continuation = h.model.requests.at(-1)!;
      expect(h.model.requests.length - requestsBefore).toBe(2);
      const toolMessage = JSON.stringify(continuation.body);
      expect(toolMessage).toContain(approved ? '\\"kind\\":\\"completed\\"' : '\\"kind\\":\\"denied\\"');

      const { rows } = await h.pool.query(
        `SELECT c.status, t.decision, t.approver, t.decided_at FROM completions c JOIN tool_executions t ON t.completion_id = c.id
         WHERE c.thread_id = (SELECT id FROM threads WHERE client_id = $1)`,
        [chatId],
      );
      expect(rows[0]).toMatchObject({
        status: 'completed',
        decision: approved ? 'approved' : 'denied',
        approver: h.userId,
      });
      expect(rows[0].decided_at).toBeInstanceOf(Date);

      const stored = (await (await h.api(`/v1/threads/${chatId}/messages`)).json()) as any;
      expect(stored.messages).toHaveLength(2);
      expect(stored.messages[1].id).toBe(final.id);
      const storedPart = stored.messages[1].parts.find((p: ToolPart) => p.type === 'tool-save_note');
      expect(storedPart.state).toBe(approved ? 'output-available' : 'output-denied');
      // Stock ai 7 holds exactly what the transcript holds, approval and its reason included.
      expect(final.parts).toEqual(stored.messages[1].parts);

      // The decision came back on the stream as ai 7's own chunk, between the request and the output.
      const about = (chunk: { type: string; approvalId?: string; toolCallId?: string }) =>
        chunk.approvalId === requested!.approval!.id || chunk.toolCallId === requested!.toolCallId;
      const sequence = chunks.filter(about).map((chunk) => chunk.type);
      expect(sequence.slice(sequence.indexOf('tool-approval-request'))).toEqual([
        'tool-approval-request',
        'tool-approval-response',
        approved ? 'tool-output-available' : 'tool-output-denied',
      ]);
      expect(chunks.find((chunk) => chunk.type === 'tool-approval-response')).toEqual({
        type: 'tool-approval-response',
        approvalId: requested!.approval!.id,
        approved,
        ...(approved ? {} : { reason: 'not now' }),
      });
    });
  }
});
