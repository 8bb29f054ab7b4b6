/**
 * One message, part by part: markdown text, collapsed reasoning, tool cards, sources, structured output, sub-agents,
 * the user's messages sent into a running answer, where the answer received them, and where older turns were
 * summarised for the model (context compaction).
 */
import { isToolUIPart, type UIMessage } from 'ai';
import { Streamdown } from 'streamdown';
import { withoutSupersededParts } from '../../src/client/without-superseded-parts.ts';
import { ToolCard, type ApprovalDecision } from './tool-card.tsx';

export function MessageView({
  message,
  streaming,
  onDecide,
  footer,
}: {
  message: UIMessage;
  streaming: boolean;
  onDecide: (decision: ApprovalDecision) => void;
  footer?: React.ReactNode;
}) {
  // A retried model call sends data-step-reset (ai 7 clients may get reset-step instead, handled by useChat).
  const shown = withoutSupersededParts(message);
  return (
    <article className={`message ${message.role}`} aria-label={message.role === 'user' ? 'You' : 'Assistant'}>
      {shown.parts.map((part, index) => {
        const key = `${message.id}-${index}`;
        if (part.type === 'text')
          return message.role === 'user' ? (
            <p key={key} className="user-text">
              {part.text}
            </p>
          ) : (
            <div key={key} className="markdown">
              <Streamdown isAnimating={streaming && part.state === 'streaming'} controls={false}>
                {part.text}
              </Streamdown>
            </div>
          );
        if (part.type === 'reasoning')
          return (
            <details key={key} className="reasoning">
              <summary>Reasoning</summary>
              <p>{part.text}</p>
            </details>
          );
        if (isToolUIPart(part)) return <ToolCard key={part.toolCallId} part={part} onDecide={onDecide} />;
        if (part.type === 'source-url')
          return (
            <a key={key} className="source" href={part.url} target="_blank" rel="noreferrer noopener">
              {part.title ?? part.url}
            </a>
          );
        if (part.type === 'data-object')
          return (
            <section key={key} className="structured" aria-label="Structured output">
              <pre>{JSON.stringify(part.data, null, 2)}</pre>
            </section>
          );
        if (part.type === 'steering-message')
          return (
            <section key={key} className="steering" aria-label="Sent into the answer">
              {part.parts.map((sent, at) =>
                sent.type === 'text' ? (
                  <p key={at} className="user-text">
                    {sent.text}
                  </p>
                ) : null,
              )}
            </section>
          );
        if (part.type === 'data-subagent') return <SubagentProgress key={key} data={part.data} />;
        if (part.type === 'data-compaction') return <CompactionNote key={key} data={part.data} />;
        return null;
      })}
      {footer}
    </article>
  );
}

function SubagentProgress({ data }: { data: unknown }) {
  const progress = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const fields = ['agent', 'status', 'step', 'tool', 'currentTool']
    .filter((field) => progress[field] !== undefined && progress[field] !== null)
    .map((field) => `${field}: ${String(progress[field])}`);
  return (
    <p className="subagent" role="status">
      Sub-agent — {fields.join(' · ') || 'starting'}
    </p>
  );
}

/** Where the model stopped reading older turns in full: they are still here, the model reads their summary. */
function CompactionNote({ data }: { data: unknown }) {
  const fields = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const covered =
    typeof fields.coveredMessages === 'number' ? `${fields.coveredMessages} earlier messages` : 'Earlier messages';
  const tokens = typeof fields.summaryTokens === 'number' ? ` (a summary of ${fields.summaryTokens} tokens)` : '';
  return (
    <p className="compaction" role="note">
      {covered} summarised for the model{tokens}
    </p>
  );
}
