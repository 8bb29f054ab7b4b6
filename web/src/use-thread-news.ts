/**
 * A thread's run status changed elsewhere (another tab, the approvals inbox, a message sent beside a running
 * answer). `onNews` runs with the latest status once the page is idle: news that arrives while it streams waits
 * for that stream to end. What was known at mount is not news: useChat's own resume covers it.
 */
import { useEffect, useRef, useState } from 'react';

export interface ThreadStatusEvent {
  runStatus: string;
  /** Increases with every event, so the same status twice still counts. */
  serial: number;
}

export function useThreadNews(
  statusEvent: ThreadStatusEvent | undefined,
  idle: boolean,
  onNews: (runStatus: string) => void,
): void {
  const seen = useRef(statusEvent?.serial ?? 0);
  const [pending, setPending] = useState<string | null>(null);
  const latest = useRef(onNews);
  latest.current = onNews;
  useEffect(() => {
    if (!statusEvent || statusEvent.serial <= seen.current) return;
    seen.current = statusEvent.serial;
    setPending(statusEvent.runStatus);
  }, [statusEvent?.serial]);
  useEffect(() => {
    if (pending === null || !idle) return;
    setPending(null);
    latest.current(pending);
  }, [pending, idle]);
}
