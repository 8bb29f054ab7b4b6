import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readUIMessageStream as readUIMessageStreamV5,
  uiMessageChunkSchema as uiMessageChunkSchemaV5,
  type UIMessage as UIMessageV5,
} from 'ai-v5';
import { startHarness, type Harness } from '../support/harness.js';
import {
  postChat,
  readValidatedChunks,
  sendWithUseChatTransport,
  textOf,
  userMessage,
  versionHeaders,
} from '../support/chat-client.js';

const MIXED_SCRIPT = ['Hello ', '👩‍👩‍', '👧 and ', '東京', 'は', '晴れ', 'です', ' 🎉 done.'];

describe('POST /api/chat streams a durable completion to useChat', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  for (const model of ['openai:gpt-test', 'anthropic:claude-test']) {
    it(`assembles exactly the text ${model} streamed, emoji and CJK split across TCP chunks`, async () => {
      h.model.enqueue({ kind: 'text', chunks: MIXED_SCRIPT, splitUtf8: true, delayMs: 5 });
      const chatId = `chat-${randomUUID()}`;
      const message = await sendWithUseChatTransport(h, chatId, [userMessage('Say hello')], { model });

      expect(message.role).toBe('assistant');
      expect(textOf(message)).toBe(MIXED_SCRIPT.join(''));
      const request = h.model.requests.at(-1);
      expect(request?.vendor).toBe(model.split(':')[0]);
      expect(JSON.stringify(request?.body)).toContain('Say hello');

      const { rows } = await h.pool.query(
        `SELECT status, first_token_at, input_tokens, output_tokens, model FROM completions WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1)`,
        [chatId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'completed', model });
      expect(rows[0].first_token_at).toBeInstanceOf(Date);
      expect(rows[0].output_tokens).toBeGreaterThan(0);
    });
  }

  it('sends only chunks the ai package accepts, in protocol order, ending with [DONE]', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['One ', 'two ', 'three.'], usage: { inputTokens: 11, outputTokens: 3 } });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('count')] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const raw = await response.clone().text();
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);

    const chunks = await readValidatedChunks(response);
    const types = chunks.map((chunk) => chunk.type).filter((type) => type !== 'data-thread_status');
    expect(types).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-delta',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    const finish = chunks.find((chunk) => chunk.type === 'finish');
    expect(finish).toMatchObject({ messageMetadata: { usage: { inputTokens: 11, outputTokens: 3 } } });
    const statuses = chunks.flatMap((chunk) =>
      chunk.type === 'data-thread_status' ? [(chunk.data as { runStatus: string }).runStatus] : [],
    );
    expect(statuses).toEqual(['running', 'complete']);
  });

  it('is read by an ai v5 client for a text-only turn', async () => {
    const script = ['v5 ', 'clients ', 'still ', 'work ✓'];
    h.model.enqueue({ kind: 'text', chunks: script });
    const response = await postChat(
      h,
      { id: `chat-${randomUUID()}`, trigger: 'submit-message', messages: [userMessage('hi from v5')] },
      h.apiKey,
      versionHeaders(5),
    );
    const [forSchema, forReader] = response.body!.tee();
    await readValidatedChunks(new Response(forSchema), uiMessageChunkSchemaV5 as never);

    const { parseJsonEventStream } = await import('ai-v5');
    const chunkStream = parseJsonEventStream({ stream: forReader, schema: uiMessageChunkSchemaV5 }).pipeThrough(
      new TransformStream({
        transform(result, controller) {
          if (!result.success) throw result.error;
          controller.enqueue(result.value);
        },
      }),
    );
    let last: UIMessageV5 | undefined;
    for await (const message of readUIMessageStreamV5({ stream: chunkStream })) last = message;
    expect(last?.parts.map((part) => (part.type === 'text' ? part.text : '')).join('')).toBe(script.join(''));
  });

  it('turns a provider rejection into an error chunk and a failed completion', async () => {
    h.model.enqueue({ kind: 'http-error', status: 401, message: 'Incorrect API key provided' });
    const requestsBefore = h.model.requests.length;
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hi')] });
    const chunks = await readValidatedChunks(response);
    const error = chunks.find((chunk) => chunk.type === 'error');
    expect(error).toBeDefined();
    expect((error as { errorText: string }).errorText).toContain('401');
    const { rows } = await h.pool.query(
      `SELECT status, error FROM completions WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1)`,
      [chatId],
    );
    expect(rows[0].status).toBe('failed');
    expect(rows[0].error.message).toContain('401');
    // Not retried: a 401 cannot succeed on a second try.
    expect(h.model.requests.length - requestsBefore).toBe(1);
  });
});
