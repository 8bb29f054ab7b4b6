/** Under each answer: the model, agent, tokens and time to first token of its turn, and whether it was stopped. */
import type { Completion } from './schemas.ts';

function ms(from: string | null, to: string | null): string | null {
  if (!from || !to) return null;
  const value = Date.parse(to) - Date.parse(from);
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value} ms`;
}

export function TurnDetails({ completion }: { completion: Completion | undefined }) {
  if (!completion) return null;
  const firstToken = ms(completion.timing.createdAt, completion.timing.firstTokenAt);
  const items = [
    completion.model,
    completion.agent ? `agent ${completion.agent.name}` : null,
    completion.usage ? `${completion.usage.inputTokens} in · ${completion.usage.outputTokens} out tokens` : null,
    firstToken ? `first token after ${firstToken}` : null,
  ].filter(Boolean);
  return (
    <footer className="turn-details" role="note" aria-label="Turn details">
      {items.join(' · ')}
      {completion.status === 'cancelled' && <span className="badge stopped">Stopped</span>}
      {completion.status === 'failed' && (
        <span className="badge failed" title={completion.error?.message}>
          Failed{completion.error ? `: ${completion.error.message}` : ''}
        </span>
      )}
      {completion.status === 'awaiting_approval' && <span className="badge waiting">Awaiting approval</span>}
    </footer>
  );
}
