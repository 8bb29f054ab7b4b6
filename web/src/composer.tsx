/** The message box: Enter sends, Shift+Enter adds a line, Escape (anywhere on the page) stops the answer. */
import { useEffect } from 'react';

export function Composer({
  draft,
  onDraft,
  onSend,
  busy,
  onStop,
}: {
  draft: string;
  onDraft: (text: string) => void;
  onSend: () => void;
  busy: boolean;
  onStop: () => void;
}) {
  useEffect(() => {
    if (!busy) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onStop();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [busy, onStop]);

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      <textarea
        aria-label="Message"
        placeholder="Message"
        rows={2}
        value={draft}
        onChange={(event) => onDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            onSend();
          }
        }}
      />
      <div className="buttons">
        {busy && (
          <button type="button" className="secondary" onClick={onStop}>
            Stop
          </button>
        )}
        <button type="submit" disabled={!draft.trim()}>
          Send
        </button>
      </div>
    </form>
  );
}
