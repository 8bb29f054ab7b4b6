import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultChatTransport, type UIMessage } from 'ai';
import { startHarness, type Harness } from '../support/harness.js';
import { NodeChat } from '../support/node-chat.js';
import { postChat, readJson, textOf, userMessage } from '../support/chat-client.js';

/** useChat's regenerate(): the latest answer is answered again and the earlier one leaves the transcript. */
describe('regenerate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const newChat = (id: string) =>
    new NodeChat<UIMessage>({
      id,
      transport: new DefaultChatTransport({
        api: `${h.apiUrl}/api/chat`,
        headers: { authorization: `Bearer ${h.apiKey}` },
      }),
    });
  /** The transcript the model was sent last, as role: text lines. */
  const lastTranscript = () => {
    const body = h.model.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    return body.messages.filter((m) => m.role !== 'system').map((m) => `${m.role}: ${m.content}`);
  };

  it('answers the latest user message again, and later turns see only the new answer', async () => {
    const chatId = `chat-${randomUUID()}`;
    const chat = newChat(chatId);
    h.model.enqueue({ kind: 'text', chunks: ['First ', 'try.'] }, { kind: 'text', chunks: ['Second ', 'try.'] });
    await chat.sendMessage({ text: 'Say something' });
    await chat.settled();
    expect(textOf(chat.messages.at(-1)!)).toBe('First try.');

    await chat.regenerate();
    await chat.settled();
    expect(chat.messages.map((m) => [m.role, textOf(m)])).toEqual([
      ['user', 'Say something'],
      ['assistant', 'Second try.'],
    ]);
    // The model was asked the same question again, without the answer it replaces.
    expect(lastTranscript()).toEqual(['user: Say something']);

    const thread = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(thread.messages.map((m: UIMessage) => [m.role, textOf(m)])).toEqual([
      ['user', 'Say something'],
      ['assistant', 'Second try.'],
    ]);
    const { completions } = await readJson(await h.api(`/v1/threads/${chatId}`));
    expect(
      completions.map((c: { status: string; supersededAt: string | null }) => [c.status, c.supersededAt !== null]),
    ).toEqual([
      ['completed', true],
      ['completed', false],
    ]);

    h.model.enqueue({ kind: 'text', chunks: ['Third.'] });
    await chat.sendMessage({ text: 'And?' });
    await chat.settled();
    expect(lastTranscript()).toEqual(['user: Say something', 'assistant: Second try.', 'user: And?']);
  });

  it('refuses to regenerate anything but the answer to the latest user message', async () => {
    const chatId = `chat-${randomUUID()}`;
    const chat = newChat(chatId);
    h.model.enqueue({ kind: 'text', chunks: ['one'] }, { kind: 'text', chunks: ['two'] });
    await chat.sendMessage({ text: 'first' });
    await chat.settled();
    await chat.sendMessage({ text: 'second' });
    await chat.settled();
    const first = chat.messages[0]!;
    const stale = await postChat(h, { id: chatId, trigger: 'regenerate-message', messages: [first] });
    expect(stale.status).toBe(409);
    expect((await readJson(stale)).error.code).toBe('not_latest');

    const unknownThread = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'regenerate-message',
      messages: [userMessage('hi')],
    });
    expect(unknownThread.status).toBe(404);
  });
});
