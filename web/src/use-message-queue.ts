/**
 * "Queue": messages typed while an answer runs, sent one at a time once the thread has no answer running.
 *
 * The queue lives in the page (and sessionStorage, so a reload keeps it) rather than in the thread's `enqueue`
 * policy: that policy is a setting of the thread, shared by every tab and client, and a request cannot ask for
 * it. A queued message is sent only when the server says the thread is idle (GET /v1/threads/:id, fetched after
 * the page's stream has ended), so it never races the answer's end; an approval keeps the answer open, and the
 * queue waits for the decision. If the send is refused all the same, the message goes back into the box.
 */
import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { loadThread } from './thread-api.ts';

const storedQueueSchema = z.array(z.string());
const storageKey = (threadId: string) => `longhaul.queue.${threadId}`;

function storedQueue(threadId: string): string[] {
  try {
    const parsed = storedQueueSchema.safeParse(JSON.parse(sessionStorage.getItem(storageKey(threadId)) ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export interface MessageQueue {
  queued: string[];
  enqueue: (text: string) => void;
  /** Takes every queued message out (Stop, or the reader wants to edit them), oldest first. */
  takeAll: () => string[];
}

export function useMessageQueue(
  threadId: string,
  /** The page is streaming or has lost the server: nothing is sent then. */
  held: boolean,
  /** Changes whenever the page learns something new about the thread, which is when to look again. */
  news: unknown,
  send: (text: string) => void,
): MessageQueue {
  const [queued, setQueued] = useState(() => storedQueue(threadId));
  // What is queued when a check answers: messages may have been added or taken back while it was out.
  const current = useRef(queued);
  current.current = queued;
  const checking = useRef(false);
  /** News that came while a check was out: the check's answer may predate it, so look once more. */
  const missed = useRef(false);
  const [recheck, setRecheck] = useState(0);
  const latestSend = useRef(send);
  latestSend.current = send;

  useEffect(() => {
    if (queued.length === 0) sessionStorage.removeItem(storageKey(threadId));
    else sessionStorage.setItem(storageKey(threadId), JSON.stringify(queued));
  }, [threadId, queued]);

  useEffect(() => {
    if (held || queued.length === 0) return;
    if (checking.current) {
      missed.current = true;
      return;
    }
    checking.current = true;
    missed.current = false;
    loadThread(threadId)
      .then((thread) => {
        if (thread.activeCompletionId !== null) return;
        const next = current.current[0];
        if (next === undefined) return;
        setQueued((all) => all.slice(1));
        latestSend.current(next);
      })
      .catch(() => {
        // Unreachable or refused: the next news about the thread looks again.
      })
      .finally(() => {
        checking.current = false;
        if (missed.current) setRecheck((value) => value + 1);
      });
  }, [threadId, held, queued, news, recheck]);

  return {
    queued,
    enqueue: (text) => setQueued((current) => [...current, text]),
    takeAll: () => {
      const all = queued;
      setQueued([]);
      return all;
    },
  };
}
