/** Shared moves of the steering tests: sending a steering message and reading where it went. */
import { randomUUID } from 'node:crypto';
import type { UIMessage, UIMessageChunk } from 'ai';
import type { Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, userMessage } from '../support/chat-client.js';
import type { Script } from '../../src/llm/scripted/script.js';

export function steer(
  h: Harness,
  chatId: string,
  body: { id: string; parts: { type: 'text'; text: string }[]; mode?: 'next-step' | 'now' } | string,
  key = h.apiKey,
): Promise<Response> {
  return h.api(`/api/chat/${chatId}/steer`, {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const text = (value: string) => [{ type: 'text' as const, text: value }];

/** A unique word to look for in model requests and transcripts. */
export const mark = (name: string) => `${name}${randomUUID().replace(/-/g, '').slice(0, 10)}`;

/**
 * Starts a turn with the given scripts on a new thread and reads it with the ai package (in the background);
 * returns once the model has received the turn's first request.
 */
export async function startTurn(
  h: Harness,
  scripts: Script[],
  options: { tools?: string[]; chatId?: string; text?: string } = {},
): Promise<{
  chatId: string;
  completionId: string;
  turn: Promise<{ message: UIMessage; chunks: UIMessageChunk[] }>;
}> {
  const chatId = options.chatId ?? `chat-${randomUUID()}`;
  const before = h.model.requests.length;
  h.model.enqueue(...scripts);
  const response = await postChat(h, {
    id: chatId,
    trigger: 'submit-message',
    messages: [userMessage(options.text ?? 'start')],
    ...(options.tools ? { tools: options.tools } : {}),
  });
  if (response.status !== 200) throw new Error(`POST /api/chat: ${response.status} ${await response.text()}`);
  const completionId = response.headers.get('x-longhaul-completion-id')!;
  const turn = readTurn(response);
  turn.catch(() => {});
  await h.model.waitForRequests(before + 1, 10_000);
  return { chatId, completionId, turn };
}

/** The messages each model request of this test sent, from request `from` on (OpenAI's wire form). */
export function sentMessages(h: Harness, from: number): { role: string; content: unknown }[][] {
  return h.model.requests
    .slice(from)
    .map((request) => (request.body as { messages: { role: string; content: unknown }[] }).messages);
}

export async function auditOf(h: Harness, chatId: string): Promise<{ type: string; actor: string; data: any }[]> {
  const { events } = await readJson(await h.api(`/v1/threads/${chatId}/audit`));
  return events;
}

/** Slow text, so a message sent after the first request arrives while this step is still streaming. */
export const slowWords = (count: number, prefix = 'w') => Array.from({ length: count }, (_, i) => `${prefix}${i} `);
