/**
 * Threads this tab has opened but not yet sent to: useChat's id becomes the thread's id on the first message
 * (`POST /api/chat` creates it, titled after that message), so an untouched "New thread" leaves nothing behind.
 */
const fresh = new Set<string>();

export function startFreshThread(): string {
  const id = `t-${crypto.randomUUID()}`;
  fresh.add(id);
  return id;
}

export function isFreshThread(id: string): boolean {
  return fresh.has(id);
}
