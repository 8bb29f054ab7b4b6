/** Everything awaiting the user's decision, across threads, decidable here; expired requests say so. */
import { useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from './api.ts';
import { approvalsSchema, okSchema, type Approval } from './schemas.ts';
import { onLinkClick, threadPath } from './router.ts';

export function ApprovalsPage({ serial }: { serial: number }) {
  const [approvals, setApprovals] = useState<Approval[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(() => {
    getJson('/v1/approvals?status=pending', approvalsSchema)
      .then(({ approvals: list }) => setApprovals(list))
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
  }, []);
  useEffect(load, [load, serial]);

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
      ) : approvals.length === 0 ? (
        <p className="empty">Nothing is waiting for you.</p>
      ) : (
        <ul className="approvals">
          {approvals.map((approval) => (
            <ApprovalItem
              key={approval.toolCallId}
              approval={approval}
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
  onDecided,
  onProblem,
}: {
  approval: Approval;
  onDecided: () => void;
  onProblem: (message: string) => void;
}) {
  const [reason, setReason] = useState('');
  const expired = approval.expiresAt !== null && Date.parse(approval.expiresAt) <= Date.now();
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
