/** A thread by the id in the URL: loads it and its transcript, or says it was not found (also someone else's). */
import { useEffect, useState } from 'react';
import type { UIMessage } from 'ai';
import { getJson } from './api.ts';
import { ApiError } from './api-error.ts';
import { ChatSession } from './chat.tsx';
import type { ThreadStatusEvent } from './use-thread-news.ts';
import { isFreshThread } from './fresh-threads.ts';
import { messagesSchema, threadDetailSchema, type Agent, type ThreadDetail } from './schemas.ts';

/** What a new thread will be once its first message creates it with the server's defaults. */
function unsentThread(id: string): ThreadDetail {
  return {
    id,
    title: null,
    doubleTextPolicy: 'reject',
    agent: null,
    activeCompletionId: null,
    updatedAt: new Date().toISOString(),
    completions: [],
  };
}

type Loaded =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; detail: ThreadDetail; messages: UIMessage[] };

export function ThreadPage({
  threadId,
  agents,
  statusEvent,
  onThreadChanged,
}: {
  threadId: string;
  agents: Agent[];
  statusEvent: ThreadStatusEvent | undefined;
  onThreadChanged: () => void;
}) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  useEffect(() => {
    let cancelled = false;
    setLoaded({ kind: 'loading' });
    const base = `/v1/threads/${encodeURIComponent(threadId)}`;
    Promise.all([getJson(base, threadDetailSchema), getJson(`${base}/messages`, messagesSchema)])
      .then(([detail, { messages }]) => {
        if (!cancelled) setLoaded({ kind: 'ready', detail, messages: messages as UIMessage[] });
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 404 && isFreshThread(threadId))
          setLoaded({ kind: 'ready', detail: unsentThread(threadId), messages: [] });
        else if (error instanceof ApiError && error.status === 404) setLoaded({ kind: 'missing' });
        else setLoaded({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      });
    return () => {
      cancelled = true;
    };
  }, [threadId]);

  if (loaded.kind === 'loading') return <p className="empty">Loading…</p>;
  if (loaded.kind === 'missing')
    return (
      <section className="page">
        <h1>Thread not found</h1>
        <p>
          There is no thread “{threadId}” among yours. It may have been deleted, or the link belongs to someone else.
        </p>
      </section>
    );
  if (loaded.kind === 'failed')
    return (
      <p className="problem" role="alert">
        {loaded.message}
      </p>
    );
  return (
    <ChatSession
      key={threadId}
      initialDetail={loaded.detail}
      initialMessages={loaded.messages}
      agents={agents}
      statusEvent={statusEvent}
      onThreadChanged={onThreadChanged}
    />
  );
}
