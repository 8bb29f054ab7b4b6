/**
 * The everyday turns for each `ai` version an app may run (ai 7 sends no version header, 6 and 5 send theirs):
 * each is read by that version's own reader, which must assemble what the transcript holds. Retried steps are in
 * test/guarantees/retries.test.ts and approvals in approvals-by-version.test.ts, for the same three versions.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../../src/llm/scripted/script.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  postChat,
  readJson,
  readTurn,
  textOf,
  userMessage,
  versionHeaders,
  type AiVersion,
} from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

type Message = { id: string; role: string; parts: { type: string }[] };

describe.each([7, 6, 5] as AiVersion[])('turns read by ai %i', (version) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  const transcriptAnswer = async (chatId: string) => {
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    return messages.at(-1) as Message;
  };

  /** Posts a turn as an app on this version does; the response is not read yet. */
  async function post(scripts: Script[], body: Record<string, unknown> = {}) {
    h.model.enqueue(...scripts);
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(
      h,
      { id: chatId, trigger: 'submit-message', messages: [userMessage('go')], ...body },
      h.apiKey,
      versionHeaders(version),
    );
    expect(response.status).toBe(200);
    return { chatId, completionId: response.headers.get('x-longhaul-completion-id')!, response };
  }

  const firstTokenSent = (completionId: string) =>
    waitFor(
      async () =>
        (await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [completionId])).rows[0]
          .first_token_at !== null,
      10_000,
      'the first token',
    );

  const slowWords = Array.from({ length: 20 }, (_, i) => `w${i} `);

  it('plain text', async () => {
    const { chatId, response } = await post([{ kind: 'text', chunks: ['Hello ', 'there.'] }]);
    const { message } = await readTurn(response, version);
    expect(textOf(message)).toBe('Hello there.');
    expect(message.parts).toEqual((await transcriptAnswer(chatId)).parts);
  });

  it('a tool call and the answer after it', async () => {
    const { chatId, response } = await post(
      [
        { kind: 'tool-calls', text: ['Echoing. '], calls: [{ name: 'echo', argsChunks: ['{"text":', '"ping"}'] }] },
        { kind: 'text', chunks: ['It said ping.'] },
      ],
      { tools: ['echo'] },
    );
    const { message } = await readTurn(response, version);
    expect(textOf(message)).toBe('Echoing. It said ping.');
    expect(message.parts.find((part) => part.type === 'tool-echo')).toMatchObject({ state: 'output-available' });
    expect(message.parts).toEqual((await transcriptAnswer(chatId)).parts);
  });

  it('Stop: the text so far, as the transcript keeps it', async () => {
    const { chatId, completionId, response } = await post([{ kind: 'text', chunks: slowWords, delayMs: 100 }]);
    const reading = readTurn(response, version);
    await firstTokenSent(completionId);
    expect((await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(202);
    const { message, chunks } = await reading;
    expect(chunks.at(-1)).toMatchObject({ type: 'abort' });
    // `abort` goes out as soon as the model stream is cut; the stopped text is saved right after.
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'cancelled',
      10_000,
      'the Stop recorded',
    );
    const stored = await transcriptAnswer(chatId);
    expect(textOf(message).length).toBeLessThan(slowWords.join('').length);
    expect(textOf(message)).toBe(textOf(stored as never));
  });

  it('resume mid-stream: GET /api/chat/:id/stream rebuilds the whole answer', async () => {
    const { chatId, completionId, response } = await post([{ kind: 'text', chunks: slowWords, delayMs: 50 }]);
    await firstTokenSent(completionId);
    const resumed = await h.api(`/api/chat/${chatId}/stream`, { headers: versionHeaders(version) });
    expect(resumed.status).toBe(200);
    const [first, again] = await Promise.all([readTurn(response, version), readTurn(resumed, version)]);
    expect(textOf(again.message)).toBe(slowWords.join(''));
    expect(again.message).toEqual(first.message);
    expect(again.message.parts).toEqual((await transcriptAnswer(chatId)).parts);
  });
});
