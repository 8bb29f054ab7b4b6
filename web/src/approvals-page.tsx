/**
 * Everything awaiting the user's decision, across threads, decidable here. Expired requests say so: one whose
 * time is up shows as expired at once, and one the server reports expired (GET /v1/events) stays on the page,
 * marked expired, instead of vanishing from the list the server no longer puts it in.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { getJson, sendJson } from './api.ts';
import { approvalsSchema, okSchema, type Approval } from './schemas.ts';
import { onLinkClick, threadPath } from './router.ts';

export function ApprovalsPage({ serial, expiredIds }: { serial: number; expiredIds: ReadonlySet<string> }) {
  const [approvals, setApprovals] = useState<Approval[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  /** Every request this page has listed, so one that expires can still be shown. */
  const seen = useRef(new Map<string, Approval>());
  const [now, setNow] = useState(Date.now());

  const load = useCallback(() => {
    getJson('/v1/approvals?status=pending', approvalsSchema)
      .then(({ approvals: list }) => {
        for (const approval of list) seen.current.set(approval.toolCallId, approval);
        setApprovals(list);
      })
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
  }, []);
  useEffect(load, [load, serial]);

  const listed = approvals ?? [];
  const gone = [...seen.current.values()].filter(
    (approval) => expiredIds.has(approval.toolCallId) && !listed.some((l) => l.toolCallId === approval.toolCallId),
  );
  const shown = [...listed, ...gone];
  const isExpired = (approval: Approval) =>
    expiredIds.has(approval.toolCallId) || (approval.expiresAt !== null && Date.parse(approval.expiresAt) <= now);

  // Re-render when the next listed request runs out of time.
  const nextExpiry = Math.min(
    ...listed.filter((a) => !isExpired(a) && a.expiresAt !== null).map((a) => Date.parse(a.expiresAt!)),
  );
  useEffect(() => {
    if (!Number.isFinite(nextExpiry)) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.max(0, nextExpiry - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [nextExpiry]);

  return (
    <section className="page">
      <h1>Approvals</h1>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {approvals === null ? (
        <p className="empty">Loading…</p>
      ) : shown.length === 0 ? (
        <p className="empty">Nothing is waiting for you.</p>
      ) : (
        <ul className="approvals">
          {shown.map((approval) => (
            <ApprovalItem
              key={approval.toolCallId}
              approval={approval}
              expired={isExpired(approval)}
              onDecided={load}
              onProblem={(message) => setProblem(message)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function ApprovalItem({
  approval,
  expired,
  onDecided,
  onProblem,
}: {
  approval: Approval;
  expired: boolean;
  onDecided: () => void;
  onProblem: (message: string) => void;
}) {
  const [reason, setReason] = useState('');
  const decide = (decision: 'approve' | 'deny') =>
    void sendJson(
      'POST',
      `/v1/approvals/${encodeURIComponent(approval.toolCallId)}`,
      { decision, argsDigest: approval.argsDigest, ...(reason ? { reason } : {}) },
      okSchema,
    )
      .then(onDecided)
      .catch((error: unknown) => onProblem(error instanceof Error ? error.message : String(error)));
  return (
    <li className="tool-card" aria-label={`Approval for ${approval.toolName}`}>
      <header>
        <strong>{approval.toolName}</strong> in{' '}
        <a href={threadPath(approval.threadId)} onClick={onLinkClick(threadPath(approval.threadId))}>
          {approval.threadId}
        </a>{' '}
        <span className="tool-state">
          {expired ? 'expired' : `requested ${new Date(approval.requestedAt).toLocaleString()}`}
        </span>
      </header>
      <pre className="tool-args" aria-label="Arguments">
        {JSON.stringify(approval.args, null, 2)}
      </pre>
      {!expired && (
        <div className="approval">
          <label>
            Reason (optional)
            <input value={reason} onChange={(event) => setReason(event.target.value)} />
          </label>
          <div className="buttons">
            <button type="button" onClick={() => decide('approve')}>
              Approve
            </button>
            <button type="button" className="secondary" onClick={() => decide('deny')}>
              Deny
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
