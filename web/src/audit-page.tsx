/** A thread's audit ledger, each run linked into the Temporal UI. */
import { useEffect, useState } from 'react';
import { getJson } from './api.ts';
import { auditSchema, type AuditEvent } from './schemas.ts';
import { onLinkClick, threadPath } from './router.ts';

export function AuditPage({ threadId }: { threadId: string }) {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    getJson(`/v1/threads/${encodeURIComponent(threadId)}/audit`, auditSchema)
      .then((ledger) => setEvents(ledger.events))
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
  }, [threadId]);

  return (
    <section className="page">
      <h1>Audit</h1>
      <p>
        <a href={threadPath(threadId)} onClick={onLinkClick(threadPath(threadId))}>
          Back to the thread
        </a>
      </p>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {events && (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th>Actor</th>
                <th>Details</th>
                <th>Run</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>{new Date(event.createdAt).toLocaleTimeString()}</td>
                  <td>{event.type}</td>
                  <td>{event.actor}</td>
                  <td>
                    <code>{JSON.stringify(event.data)}</code>
                  </td>
                  <td>
                    {event.temporalUiUrl ? (
                      <a href={event.temporalUiUrl} target="_blank" rel="noreferrer noopener">
                        {event.workflowId ?? 'Temporal UI'}
                      </a>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
