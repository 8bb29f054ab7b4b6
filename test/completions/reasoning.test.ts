/**
 * The model's reasoning (an Anthropic thinking block, the scripted server's `reasoning`) as a part of its step:
 * streamed as `reasoning-*` chunks before the text, kept in the transcript before the text, kept on Stop, replayed
 * when the stream is rebuilt from Postgres, and never sent back to the model.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UIMessage } from 'ai';
import type { Script } from '../../src/llm/scripted/script.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
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
import { waitFor } from '../support/wait-for.js';

const MODEL = 'anthropic:claude-test';

describe('the model’s reasoning', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  async function post(script: Script, version: AiVersion = 7, chatId = `chat-${randomUUID()}`, text = 'go') {
    h.model.enqueue(script);
    const response = await postChat(
      h,
      { id: chatId, trigger: 'submit-message', messages: [userMessage(text)], model: MODEL },
      h.apiKey,
      versionHeaders(version),
    );
    expect(response.status).toBe(200);
    return { chatId, completionId: response.headers.get('x-longhaul-completion-id')!, response };
  }

  const transcriptAnswer = async (chatId: string) => {
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    return messages.at(-1) as UIMessage;
  };

  /** The chunk types, the reasoning and text chunks with their ids; the thread's status is not the turn's shape. */
  const shape = (chunks: { type: string; id?: string }[]) =>
    chunks.flatMap((c) =>
      c.type === 'data-thread_status'
        ? []
        : c.type.startsWith('reasoning-') || c.type.startsWith('text-')
          ? [`${c.type} ${c.id}`]
          : [c.type],
    );

  for (const version of [7, 6] as const) {
    it(`streams the reasoning before the text, as ai ${version} assembles it and the transcript keeps it`, async () => {
      const { chatId, response } = await post(
        { kind: 'text', reasoning: ['Six ', 'times seven.'], chunks: ['The answer ', 'is 42.'] },
        version,
      );
      const { message, chunks } = await readTurn(response, version);
      expect(shape(chunks)).toEqual([
        'start',
        'start-step',
        'reasoning-start reasoning-0-1',
        'reasoning-delta reasoning-0-1',
        'reasoning-delta reasoning-0-1',
        'reasoning-end reasoning-0-1',
        'text-start text-0-1',
        'text-delta text-0-1',
        'text-delta text-0-1',
        'text-end text-0-1',
        'finish-step',
        'finish',
      ]);
      const stored = await transcriptAnswer(chatId);
      expect(stored.parts).toEqual([
        { type: 'step-start' },
        { type: 'reasoning', id: 'reasoning-0-1', text: 'Six times seven.', state: 'done' },
        { type: 'text', text: 'The answer is 42.', state: 'done' },
      ]);
      expect(message.parts).toEqual(stored.parts);
    });
  }

  it('keeps the reasoning streamed before a Stop', async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => `thought${i} `);
    const { chatId, completionId, response } = await post({
      kind: 'text',
      reasoning: pieces,
      chunks: ['never shown'],
      delayMs: 100,
    });
    const reading = readTurn(response);
    await waitFor(
      async () =>
        (await h.redis.xrange(streamKeys.log(completionId), '-', '+')).some(
          ([, fields]) => fields[1] === 'reasoning-delta',
        ),
      10_000,
      'the first reasoning',
    );
    expect((await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(202);
    const { message, chunks } = await reading;
    expect(chunks.at(-1)).toMatchObject({ type: 'abort' });
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'cancelled',
      10_000,
      'the Stop recorded',
    );
    const stored = await transcriptAnswer(chatId);
    const reasoning = stored.parts.find((part) => part.type === 'reasoning') as { text: string } | undefined;
    expect(reasoning?.text).toMatch(/^thought0 /);
    expect(reasoning!.text.length).toBeLessThan(pieces.join('').length);
    expect(textOf(stored)).toBe('');
    expect(message.parts).toEqual(stored.parts);
  });

  it('does not send the stored reasoning back to the model with the next request', async () => {
    const secret = `REASONING${randomUUID().slice(0, 8)}`;
    const first = await post({ kind: 'text', reasoning: [`${secret} `, 'says 42.'], chunks: ['It is 42.'] });
    await first.response.text();
    expect((await transcriptAnswer(first.chatId)).parts.map((part) => part.type)).toContain('reasoning');
    const before = h.model.requests.length;
    const second = await post({ kind: 'text', chunks: ['Yes.'] }, 7, first.chatId, 'sure?');
    await second.response.text();
    const sent = JSON.stringify(h.model.requests[before]!.body);
    expect(sent).toContain('It is 42.');
    expect(sent).toContain('sure?');
    expect(sent).not.toContain(secret);
    expect(sent).not.toContain('thinking');
  });

  it('replays the reasoning when the stream is rebuilt from Postgres', async () => {
    const { chatId, completionId, response } = await post({
      kind: 'text',
      reasoning: ['Kept ', 'in Postgres.'],
      chunks: ['Done.'],
    });
    await response.text();
    await h.redis.del(streamKeys.log(completionId));
    const rebuilt = await readTurn(await h.api(`/v1/completions/${completionId}/events`));
    expect(shape(rebuilt.chunks)).toContain('reasoning-delta reasoning-0-1');
    const stored = await transcriptAnswer(chatId);
    expect(stored.parts.find((part) => part.type === 'reasoning')).toMatchObject({ text: 'Kept in Postgres.' });
    expect(rebuilt.message.parts).toEqual(stored.parts);
  });
});
