/** The calls a thread's page makes besides useChat's own. */
import { generateId, type UIMessage } from 'ai';
import { authorizedFetch, getJson, sendJson } from './api.ts';
import { messagesSchema, okSchema, threadDetailSchema, type ThreadDetail } from './schemas.ts';

const threadUrl = (threadId: string, rest = '') => `/v1/threads/${encodeURIComponent(threadId)}${rest}`;

export const loadThread = (threadId: string): Promise<ThreadDetail> => getJson(threadUrl(threadId), threadDetailSchema);

export async function loadMessages(threadId: string): Promise<UIMessage[]> {
  const { messages } = await getJson(threadUrl(threadId, '/messages'), messagesSchema);
  return messages as UIMessage[];
}

/** Stop: cancels the running answer on the server (closing the connection alone would leave it running). */
export async function stopThread(threadId: string): Promise<void> {
  await sendJson('POST', `/api/chat/${encodeURIComponent(threadId)}/stop`, undefined, okSchema);
}

/**
 * A message posted beside a running answer, leaving that answer's stream alone: the thread's doubleTextPolicy
 * decides (409 under `reject`); a turn it accepts reaches the page through the thread's events.
 */
export async function sendBeside(threadId: string, text: string, choices: Record<string, string>): Promise<void> {
  const response = await authorizedFetch('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: threadId,
      trigger: 'submit-message',
      messages: [{ id: generateId(), role: 'user', parts: [{ type: 'text', text }] }],
      ...choices,
    }),
  });
  await response.body?.cancel();
}
