/** The calls a thread's page makes besides useChat's own. */
import type { UIMessage } from 'ai';
import { getJson, sendJson } from './api.ts';
import {
  messagesSchema,
  okSchema,
  steerOutcomeSchema,
  threadDetailSchema,
  type SteerOutcome,
  type ThreadDetail,
} from './schemas.ts';

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
 * "Send into answer": the message joins the running answer at its next model step (POST /api/chat/:id/steer).
 * The id is the caller's, so sending the same message again after a lost response is the same message.
 * A message the answer cannot take is a 409 (ApiError) whose code says why; nothing is kept on the server then.
 */
export function steerAnswer(threadId: string, id: string, text: string): Promise<SteerOutcome> {
  return sendJson(
    'POST',
    `/api/chat/${encodeURIComponent(threadId)}/steer`,
    { id, parts: [{ type: 'text', text }] },
    steerOutcomeSchema,
  );
}
