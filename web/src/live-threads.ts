/**
 * The sidebar's data: the caller's threads, and each one's run status (running, awaiting approval, failed), kept
 * live from `GET /v1/events` and seeded from `GET /v1/completions` (also after an events gap).
 */
import { useCallback, useEffect, useState } from 'react';
import { getJson } from './api.ts';
import { activeCompletionsSchema, threadListSchema, type Thread } from './schemas.ts';
import { followUserEvents } from './user-events.ts';
import type { ThreadStatusEvent } from './use-thread-news.ts';

export interface LiveThreads {
  threads: Thread[];
  statuses: Record<string, ThreadStatusEvent>;
  /** Bumped on every approval event, so the inbox refetches. */
  approvalsSerial: number;
  /** Tool call ids whose approval expired while this page listened: the inbox keeps showing them, as expired. */
  expiredApprovals: ReadonlySet<string>;
  refresh: () => void;
}

export function useLiveThreads(): LiveThreads {
  const [threads, setThreads] = useState<Thread[]>([]);
  const [statuses, setStatuses] = useState<Record<string, ThreadStatusEvent>>({});
  const [approvalsSerial, setApprovalsSerial] = useState(0);
  const [expiredApprovals, setExpiredApprovals] = useState<ReadonlySet<string>>(new Set());

  const refresh = useCallback(() => {
    getJson('/v1/threads', threadListSchema)
      .then(({ threads: list }) => setThreads(list))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    let serial = 0;
    const seed = () =>
      getJson('/v1/completions', activeCompletionsSchema)
        .then(({ completions }) =>
          setStatuses((current) => {
            const next = { ...current };
            for (const completion of completions)
              next[completion.threadId] = { runStatus: completion.status, serial: (serial += 1) };
            return next;
          }),
        )
        .catch(() => undefined);
    refresh();
    void seed();
    return followUserEvents(
      (event) => {
        if (event.type === 'data-thread_status') {
          const { threadId, runStatus } = event.data;
          setStatuses((current) => ({ ...current, [threadId]: { runStatus, serial: (serial += 1) } }));
          refresh();
        } else if (event.type === 'data-approval_status') {
          const { toolCallId, status } = event.data;
          if (status === 'expired' && toolCallId) setExpiredApprovals((current) => new Set(current).add(toolCallId));
          setApprovalsSerial((value) => value + 1);
        } else {
          void seed();
          setApprovalsSerial((value) => value + 1);
        }
      },
      () => refresh(),
    );
  }, [refresh]);

  return { threads, statuses, approvalsSerial, expiredApprovals, refresh };
}
