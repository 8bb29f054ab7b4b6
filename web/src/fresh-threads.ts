/**
 * Threads this tab has opened but not yet sent to: useChat's id becomes the thread's id on the first message
 * (`POST /api/chat` creates it, titled after that message), so an untouched "New thread" leaves nothing behind.
 */
import { generateId } from 'ai';

const fresh = new Set<string>();

export function startFreshThread(): string {
  // crypto.randomUUID exists only in secure contexts (https or localhost); the app may be served over plain http.
  const id = `t-${generateId()}`;
  fresh.add(id);
  return id;
}

export function isFreshThread(id: string): boolean {
  return fresh.has(id);
}
