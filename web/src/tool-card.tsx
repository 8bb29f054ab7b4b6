/** One tool call as a card: its arguments as they stream, then its output, its error or the approval it awaits. */
import { useState } from 'react';
import { getToolName, type ToolUIPart, type DynamicToolUIPart } from 'ai';

export type ToolPart = ToolUIPart | DynamicToolUIPart;

export interface ApprovalDecision {
  approvalId: string;
  approved: boolean;
  reason?: string;
}

const STATE_LABELS: Record<ToolPart['state'], string> = {
  'input-streaming': 'receiving arguments…',
  'input-available': 'running…',
  'approval-requested': 'awaiting your approval',
  'approval-responded': 'decided',
  'output-available': 'done',
  'output-error': 'error',
  'output-denied': 'denied',
};

/**
 * The reason an expired approval is denied with (src/completions/approvals.ts): ai 7 hears of an expiry as a
 * denial with this reason, in the stream and in the stored transcript alike.
 */
const EXPIRED_REASON = 'the approval request expired';

const json = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2));

/** A tool's result that reports a failure as data (validation_error, failed, …) rather than throwing. */
function failureKind(output: unknown): string | null {
  if (typeof output !== 'object' || output === null || !('kind' in output)) return null;
  const kind = (output as { kind: unknown }).kind;
  return typeof kind === 'string' && kind !== 'completed' ? kind : null;
}

export function ToolCard({ part, onDecide }: { part: ToolPart; onDecide: (decision: ApprovalDecision) => void }) {
  const name = getToolName(part);
  const [reason, setReason] = useState('');
  const failure = part.state === 'output-available' ? failureKind(part.output) : null;
  const expired = part.state === 'output-denied' && part.approval?.reason === EXPIRED_REASON;
  const state = failure ? `returned ${failure}` : expired ? 'expired' : STATE_LABELS[part.state];
  return (
    <section
      className={`tool-card state-${part.state}${failure || expired ? ' failed' : ''}`}
      aria-label={`Tool ${name}`}
    >
      <header>
        <strong>{name}</strong> <span className="tool-state">{state}</span>
      </header>
      <pre className="tool-args" aria-label="Arguments">
        {json(part.input)}
      </pre>
      {part.state === 'approval-requested' && (
        <form
          className="approval"
          onSubmit={(event) => {
            event.preventDefault();
            onDecide({ approvalId: part.approval.id, approved: true });
          }}
        >
          <label>
            Reason (optional)
            <input value={reason} onChange={(event) => setReason(event.target.value)} />
          </label>
          <div className="buttons">
            <button type="submit">Approve</button>
            <button
              type="button"
              className="secondary"
              onClick={() => onDecide({ approvalId: part.approval.id, approved: false, ...(reason ? { reason } : {}) })}
            >
              Deny
            </button>
          </div>
        </form>
      )}
      {part.state === 'output-denied' &&
        (expired ? (
          <p className="tool-note">Expired: nobody decided in time, so the call did not run.</p>
        ) : (
          <p className="tool-note">Denied{part.approval?.reason ? `: ${part.approval.reason}` : ''}</p>
        ))}
      {part.state === 'output-available' && (
        <pre className="tool-output" aria-label="Output">
          {json(part.output)}
        </pre>
      )}
      {part.state === 'output-error' && (
        <p className="tool-note" role="status">
          {part.errorText}
        </p>
      )}
    </section>
  );
}
