/** The threads: open one, start one, rename or delete one; each shows a live badge while it runs or waits. */
import { useState } from 'react';
import { sendJson } from './api.ts';
import type { ThreadStatusEvent } from './use-thread-news.ts';
import { navigate, onLinkClick, threadPath } from './router.ts';
import { okSchema, type Thread } from './schemas.ts';
import { startFreshThread } from './fresh-threads.ts';

const BADGES: Record<string, string> = {
  running: 'running',
  queued: 'running',
  awaiting_approval: 'awaiting approval',
  failed: 'failed',
};

export function Sidebar({
  threads,
  statuses,
  currentThreadId,
  onChanged,
}: {
  threads: Thread[];
  statuses: Record<string, ThreadStatusEvent>;
  currentThreadId: string | null;
  onChanged: () => void;
}) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const attempt = (work: () => Promise<void>) =>
    void work().catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));

  const newThread = () => navigate(threadPath(startFreshThread()));
  const rename = (thread: Thread) =>
    attempt(async () => {
      await sendJson('PATCH', `/v1/threads/${encodeURIComponent(thread.id)}`, { title: title.trim() }, okSchema);
      setRenaming(null);
      onChanged();
    });
  const remove = (thread: Thread) =>
    attempt(async () => {
      if (!window.confirm(`Delete “${thread.title ?? thread.id}”?`)) return;
      await sendJson('DELETE', `/v1/threads/${encodeURIComponent(thread.id)}`, undefined, okSchema);
      onChanged();
      if (thread.id === currentThreadId) navigate('/');
    });

  return (
    <nav className="sidebar" aria-label="Threads">
      <button type="button" onClick={newThread}>
        New thread
      </button>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <ul>
        {threads.map((thread) => {
          const name = thread.title ?? thread.id;
          const badge = BADGES[statuses[thread.id]?.runStatus ?? (thread.activeCompletionId ? 'running' : '')];
          return (
            <li key={thread.id} className={thread.id === currentThreadId ? 'current' : undefined}>
              {renaming === thread.id ? (
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    rename(thread);
                  }}
                >
                  <input
                    aria-label="Title"
                    value={title}
                    onChange={(event) => setTitle(event.target.value)}
                    autoFocus
                  />
                  <button type="submit">Save</button>
                </form>
              ) : (
                <a
                  href={threadPath(thread.id)}
                  onClick={onLinkClick(threadPath(thread.id))}
                  aria-current={thread.id === currentThreadId ? 'page' : undefined}
                >
                  <span className="name">{name}</span>
                  {badge && <span className={`badge ${badge.replace(' ', '-')}`}>{badge}</span>}
                </a>
              )}
              <span className="thread-actions">
                <button
                  type="button"
                  className="link"
                  aria-label={`Rename ${name}`}
                  onClick={() => {
                    setRenaming(thread.id);
                    setTitle(thread.title ?? '');
                  }}
                >
                  ✎
                </button>
                <button type="button" className="link" aria-label={`Delete ${name}`} onClick={() => remove(thread)}>
                  ×
                </button>
              </span>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
