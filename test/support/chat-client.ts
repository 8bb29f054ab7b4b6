/**
 * Drives POST /api/chat the way a browser app does: through the real `ai` package's transport and message
 * reader, and separately as raw bytes validated chunk by chunk against the package's own chunk schema.
 */
import { randomUUID } from 'node:crypto';
import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  uiMessageChunkSchema,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import type { Harness } from './harness.js';

export function userMessage(text: string, id = `u-${Math.random().toString(36).slice(2)}`): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

/** Sends one turn with useChat's transport and returns the assistant message as useChat would hold it. */
export async function sendWithUseChatTransport(
  h: Harness,
  chatId: string,
  messages: UIMessage[],
  body: Record<string, unknown> = {},
): Promise<UIMessage> {
  const transport = new DefaultChatTransport<UIMessage>({
    api: `${h.apiUrl}/api/chat`,
    headers: { authorization: `Bearer ${h.apiKey}` },
    body,
  });
  const stream = await transport.sendMessages({
    chatId,
    messages,
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: undefined,
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream<UIMessage>({
    stream,
    onError: (error) => {
      throw error;
    },
  })) {
    last = message;
  }
  if (!last) throw new Error('the stream produced no message');
  return last;
}

/** Every chunk of a raw SSE response, each validated by the ai package's uiMessageChunkSchema. */
export async function readValidatedChunks(
  response: Response,
  schema: typeof uiMessageChunkSchema = uiMessageChunkSchema,
): Promise<UIMessageChunk[]> {
  if (!response.body) throw new Error('response has no body');
  const chunks: UIMessageChunk[] = [];
  const reader = parseJsonEventStream({ stream: response.body, schema }).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    if (!value.success) throw new Error(`invalid chunk: ${String(value.error)} in ${JSON.stringify(value.rawValue)}`);
    chunks.push(value.value);
  }
}

export function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export function postChat(h: Harness, body: unknown, key = h.apiKey): Promise<Response> {
  return h.api('/api/chat', {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A response body as loose JSON: the test's assertions are its schema. */
export async function readJson(response: Response): Promise<any> {
  return response.json();
}

/** Reads a turn with the real ai client: the assembled message (as useChat holds it) and every validated chunk. */
export async function readTurn(response: Response): Promise<{ message: UIMessage; chunks: UIMessageChunk[] }> {
  if (!response.body) throw new Error('response has no body');
  const [forChunks, forMessage] = response.body.tee();
  const chunks = readValidatedChunks(new Response(forChunks));
  const stream = parseJsonEventStream({ stream: forMessage, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream<{ success: boolean; value?: UIMessageChunk }, UIMessageChunk>({
      transform(result, controller) {
        if (result.success && result.value) controller.enqueue(result.value);
      },
    }),
  );
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream })) message = snapshot;
  if (!message) throw new Error('the stream produced no message');
  return { message, chunks: await chunks };
}

/** Starts a long answer and reads its stream until the first token; `readRest` reads on to the end, `hangUp` leaves. */
export async function startLongAnswer(
  h: Harness,
  words = Array.from({ length: 60 }, (_, i) => `word${i} `),
  delayMs = 100,
) {
  h.model.enqueue({ kind: 'text', chunks: words, delayMs });
  const chatId = `chat-${randomUUID()}`;
  const disconnectsBefore = h.model.disconnects.length;
  const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('talk')] });
  const completionId = response.headers.get('x-longhaul-completion-id')!;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  while (!raw.includes('"text-delta"')) raw += decoder.decode((await reader.read()).value, { stream: true });
  const readRest = async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      raw += decoder.decode(chunk.value, { stream: true });
    return raw;
  };
  return { chatId, completionId, disconnectsBefore, readRest, hangUp: () => reader.cancel() };
}
