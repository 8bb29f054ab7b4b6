/**
 * The caller's live events (`GET /v1/events`) over fetch, since EventSource cannot send the bearer header.
 * After a drop it reconnects with `Last-Event-ID`, so the server sends what was missed, each event once.
 */
import { authorizedFetch } from './api.ts';
import { userEventSchema, type UserEvent } from './schemas.ts';

const RECONNECT_MS = 1000;

export function followUserEvents(onEvent: (event: UserEvent) => void, onReconnected: () => void): () => void {
  const stop = new AbortController();
  let lastEventId: string | null = null;

  async function readOnce(): Promise<void> {
    const headers: Record<string, string> = lastEventId ? { 'last-event-id': lastEventId } : {};
    const response = await authorizedFetch('/v1/events', { headers, signal: stop.signal });
    if (!response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  function dispatch(frame: string) {
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('id:')) lastEventId = line.slice(3).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (!data || data === '[DONE]') return;
    const parsed = userEventSchema.safeParse(JSON.parse(data));
    if (parsed.success) onEvent(parsed.data);
  }

  void (async () => {
    let connectedBefore = false;
    while (!stop.signal.aborted) {
      try {
        if (connectedBefore) onReconnected();
        connectedBefore = true;
        await readOnce();
      } catch {
        // Dropped or refused: try again shortly (a 401 has already signed the page out, which aborts this).
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  })();
  return () => stop.abort();
}
