/**
 * Drives POST /api/chat the way a browser app does: through the real `ai` package's transport and message
 * reader, and separately as raw bytes validated chunk by chunk against the package's own chunk schema. ai 7 (the
 * server's default, sending no version header) unless a test names 6 or 5: those read with `ai-v6` / `ai-v5` and
 * send `x-longhaul-ui-version`, as an app on that version must.
 */
import { randomUUID } from 'node:crypto';
import * as ai7 from 'ai';
import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  uiMessageChunkSchema,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import * as ai6 from 'ai-v6';
import * as ai5 from 'ai-v5';
import type { Harness } from './harness.js';

export type AiVersion = 5 | 6 | 7;

/** The `ai` package an app on `version` runs. */
export const aiPackages = { 7: ai7, 6: ai6, 5: ai5 } as const;

/** What an app on `version` adds to its requests: nothing for ai 7, the server's default. */
export function versionHeaders(version: AiVersion): Record<string, string> {
  return version === 7 ? {} : { 'x-longhaul-ui-version': String(version) };
}

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

/**
 * Every chunk of a raw SSE response, each validated by the ai package's uiMessageChunkSchema (ai 7's unless a
 * version or another schema is given).
 */
export async function readValidatedChunks(
  response: Response,
  schemaOrVersion: typeof uiMessageChunkSchema | AiVersion = uiMessageChunkSchema,
): Promise<UIMessageChunk[]> {
  if (!response.body) throw new Error('response has no body');
  const schema = (
    typeof schemaOrVersion === 'number' ? aiPackages[schemaOrVersion].uiMessageChunkSchema : schemaOrVersion
  ) as typeof uiMessageChunkSchema;
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

export function postChat(
  h: Harness,
  body: unknown,
  key = h.apiKey,
  headers: Record<string, string> = {},
): Promise<Response> {
  return h.api('/api/chat', {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A response body as loose JSON: the test's assertions are its schema. */
export async function readJson(response: Response): Promise<any> {
  return response.json();
}

/**
 * Reads a turn with the real ai client of `version`: the assembled message (as useChat holds it) and every
 * validated chunk. A chunk that version's schema rejects, or that its reader cannot apply, fails the read.
 */
export async function readTurn(
  response: Response,
  version: AiVersion = 7,
): Promise<{ message: UIMessage; chunks: UIMessageChunk[] }> {
  if (!response.body) throw new Error('response has no body');
  const client = aiPackages[version];
  const [forChunks, forMessage] = response.body.tee();
  const chunks = readValidatedChunks(new Response(forChunks), version);
  const stream = (client.parseJsonEventStream as typeof parseJsonEventStream)({
    stream: forMessage,
    schema: client.uiMessageChunkSchema as typeof uiMessageChunkSchema,
  }).pipeThrough(
    new TransformStream<{ success: boolean; value?: UIMessageChunk }, UIMessageChunk>({
      transform(result, controller) {
        if (result.success && result.value) controller.enqueue(result.value);
      },
    }),
  );
  let message: UIMessage | undefined;
  const failures: unknown[] = [];
  const read = client.readUIMessageStream as typeof readUIMessageStream;
  for await (const snapshot of read({ stream, onError: (error) => failures.push(error) })) message = snapshot;
  if (!message) throw new Error('the stream produced no message');
  const received = await chunks;
  // An `error` chunk reaches onError too; anything else is a chunk this client could not apply.
  const errorTexts = new Set(received.flatMap((chunk) => (chunk.type === 'error' ? [chunk.errorText] : [])));
  const unexpected = failures.filter((error) => !(error instanceof Error && errorTexts.has(error.message)));
  if (unexpected.length > 0) throw unexpected[0];
  return { message, chunks: received };
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
