/**
 * Steering a running answer: a message sent with POST /api/chat/:threadId/steer reaches the answer's next model
 * step exactly once, in that step's model request, in the transcript before that step's output, and in the stream
 * (ai 7's `steering-message`) right before the step's `start-step`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readJson, readTurn, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import { auditOf, mark, sentMessages, slowWords, startTurn, steer, text } from './support.js';

describe('steering a running answer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  const statusOf = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status as string;

  it('delivers a message sent during a tool loop at the next step: in its model request, the transcript and the stream', async () => {
    const said = mark('STEER');
    const from = h.model.requests.length;
    const { chatId, completionId, turn } = await startTurn(
      h,
      [
        {
          kind: 'tool-calls',
          text: slowWords(12),
          calls: [{ name: 'echo', argsChunks: [JSON.stringify({ text: 'hi' })] }],
          delayMs: 100,
        },
        { kind: 'text', chunks: ['Noted.'] },
      ],
      { tools: ['echo'] },
    );
    const sent = await steer(h, chatId, { id: 'steer-1', parts: text(said) });
    expect(sent.status).toBe(202);
    expect(await readJson(sent)).toEqual({ id: 'steer-1', completionId, status: 'pending', mode: 'next-step' });
    const { message, chunks } = await turn;

    // The model: not in the first request, right after the tool result in the second, once.
    const [first, second] = sentMessages(h, from);
    expect(JSON.stringify(first)).not.toContain(said);
    expect(second!.slice(-2).map((m) => m.role)).toEqual(['tool', 'user']);
    expect(second!.at(-1)).toEqual({ role: 'user', content: said });
    expect(JSON.stringify(second).split(said)).toHaveLength(2);

    // The stream: one steering-message chunk, right before the second step's start-step.
    const types = chunks.map((chunk) => chunk.type);
    expect(types.filter((type) => type === 'steering-message')).toHaveLength(1);
    const at = types.indexOf('steering-message');
    expect(chunks[at]).toEqual({ type: 'steering-message', id: 'steer-1', parts: text(said) });
    expect(types[at + 1]).toBe('start-step');
    expect(types.slice(0, at).filter((type) => type === 'start-step')).toHaveLength(1);
    // ai 7's reader places it before the receiving step's output, in the same assistant message.
    const partTypes = message.parts.map((part) => part.type);
    expect(partTypes.slice(partTypes.indexOf('steering-message'))).toEqual(['steering-message', 'step-start', 'text']);

    // The transcript: the same place, in the same assistant message.
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const stored = messages[1].parts.map((part: { type: string }) => part.type);
    expect(stored).toEqual(['step-start', 'text', 'tool-echo', 'steering-message', 'step-start', 'text']);
    expect(messages[1].parts[3]).toEqual({ type: 'steering-message', id: 'steer-1', parts: text(said) });

    expect(await readJson(await h.api(`/api/chat/${chatId}/steer/steer-1`))).toEqual({
      id: 'steer-1',
      completionId,
      status: 'delivered',
      mode: 'next-step',
      step: 1,
    });
    const ledger = (await auditOf(h, chatId)).filter((event) => event.type.startsWith('steering_'));
    expect(ledger.map((event) => [event.type, event.actor])).toEqual([
      ['steering_received', h.userId],
      ['steering_delivered', h.userId],
    ]);
    expect(ledger[1]!.data).toMatchObject({ messageId: 'steer-1', step: 1, mode: 'next-step' });
    expect(JSON.stringify(ledger)).not.toContain(said);
  });

  it('lands a message sent during the final answer: one more step, in the same assistant message', async () => {
    const said = mark('LATE');
    const from = h.model.requests.length;
    const { chatId, completionId, turn } = await startTurn(h, [
      { kind: 'text', chunks: slowWords(12), delayMs: 100 },
      { kind: 'text', chunks: ['Also that.'] },
    ]);
    expect((await steer(h, chatId, { id: 'late-1', parts: text(said) })).status).toBe(202);
    const { message, chunks } = await turn;

    const requests = sentMessages(h, from);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.slice(-2)).toEqual([
      { role: 'assistant', content: slowWords(12).join('') },
      { role: 'user', content: said },
    ]);
    expect(chunks.filter((chunk) => chunk.type === 'start').map((chunk) => chunk.type)).toHaveLength(1);
    expect(message.parts.map((part) => part.type)).toEqual([
      'step-start',
      'text',
      'steering-message',
      'step-start',
      'text',
    ]);
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(messages).toHaveLength(2);
    expect(messages[1].parts.at(-1)).toMatchObject({ type: 'text', text: 'Also that.' });
  });

  it('delivers and announces once when the receiving step’s model call is retried', async () => {
    const said = mark('RETRY');
    const from = h.model.requests.length;
    const { chatId, completionId, turn } = await startTurn(h, [
      { kind: 'text', chunks: slowWords(12), delayMs: 100 },
      { kind: 'http-error', status: 500 },
      { kind: 'text', chunks: ['Second try.'] },
    ]);
    expect((await steer(h, chatId, { id: 'retried-1', parts: text(said) })).status).toBe(202);
    const { message, chunks } = await turn;

    // Both attempts of step 1 read it (it is in the transcript); it was delivered and announced once.
    const requests = sentMessages(h, from);
    expect(requests).toHaveLength(3);
    expect(requests[1]!.at(-1)).toEqual({ role: 'user', content: said });
    expect(requests[2]).toEqual(requests[1]);
    const types = chunks.map((chunk) => chunk.type);
    expect(types.filter((type) => type === 'steering-message')).toHaveLength(1);
    expect(types.indexOf('steering-message')).toBeLessThan(types.indexOf('reset-step'));
    expect(message.parts.filter((part) => part.type === 'steering-message')).toHaveLength(1);
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(messages[1].parts.map((part: { type: string }) => part.type)).toEqual([
      'step-start',
      'text',
      'steering-message',
      'step-start',
      'text',
    ]);
    const ledger = (await auditOf(h, chatId)).filter((event) => event.type === 'steering_delivered');
    expect(ledger).toHaveLength(1);
  });

  it('steering a thread whose answer runs a sub-agent reaches the parent only, after the sub-agent’s result', async () => {
    const said = mark('PARENT');
    const from = h.model.requests.length;
    const chatId = `chat-${mark('research')}`;
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'research', argsChunks: [JSON.stringify({ question: 'Why?' })] }] },
      { kind: 'text', chunks: slowWords(15, 'sub'), delayMs: 100 },
      { kind: 'text', chunks: ['Parent heard it.'] },
    );
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('research why')],
      agent: 'researcher',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const turn = readTurn(response);
    await h.model.waitForRequests(from + 2, 10_000);
    const sent = await steer(h, chatId, { id: 'to-parent', parts: text(said), mode: 'now' });
    expect(sent.status).toBe(202);
    expect(await readJson(sent)).toMatchObject({ completionId, status: 'pending' });
    const { chunks } = await turn;

    const [parentFirst, subagent, parentNext] = sentMessages(h, from);
    expect(JSON.stringify([parentFirst, subagent])).not.toContain(said);
    // The sub-agent ran to its end, uncut; the parent read its result, then the message.
    expect(chunks.map((chunk) => chunk.type)).not.toContain('abort');
    expect(parentNext!.slice(-2).map((m) => m.role)).toEqual(['tool', 'user']);
    expect(JSON.stringify(parentNext!.at(-2))).toContain(slowWords(15, 'sub').join('').trim());
    expect(parentNext!.at(-1)).toEqual({ role: 'user', content: said });
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    expect(await readJson(await h.api(`/api/chat/${chatId}/steer/to-parent`))).toMatchObject({
      status: 'delivered',
      step: 1,
    });
  });

  it('with mode "now", cuts the step in progress short (its text kept) and starts the next at once', async () => {
    const said = mark('NOW');
    const words = slowWords(60);
    const from = h.model.requests.length;
    const { chatId, completionId, turn } = await startTurn(h, [
      { kind: 'text', chunks: words, delayMs: 100 },
      { kind: 'text', chunks: ['Changing course.'] },
    ]);
    await waitFor(async () => {
      const { rows } = await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [completionId]);
      return rows[0].first_token_at !== null;
    });
    expect((await steer(h, chatId, { id: 'now-1', parts: text(said), mode: 'now' })).status).toBe(202);
    const { message, chunks } = await turn;

    const requests = sentMessages(h, from);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.at(-1)).toEqual({ role: 'user', content: said });
    const cutText = (requests[1]!.at(-2)!.content as string) ?? '';
    expect(words.join('').startsWith(cutText)).toBe(true);
    expect(cutText.length).toBeGreaterThan(0);
    expect(cutText.length).toBeLessThan(words.join('').length);

    const types = chunks.map((chunk) => chunk.type);
    expect(types).not.toContain('abort');
    const at = types.indexOf('steering-message');
    expect(types.slice(at - 2, at + 2)).toEqual(['text-end', 'finish-step', 'steering-message', 'start-step']);
    expect(message.parts.map((part) => part.type)).toEqual([
      'step-start',
      'text',
      'steering-message',
      'step-start',
      'text',
    ]);
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    const { rows } = await h.pool.query(
      `SELECT step, parts, metadata FROM messages WHERE completion_id = $1 ORDER BY step`,
      [completionId],
    );
    expect(rows.map((row: { step: number }) => row.step)).toEqual([0, 1]);
    expect(rows[0].metadata).toEqual({ stopped: true });
    expect(rows[0].parts[1]).toEqual({ type: 'text', text: cutText, state: 'done' });
  });
});
