/**
 * The message box: Enter sends, Shift+Enter adds a line, Escape (anywhere on the page) stops the answer. While an
 * answer runs (streaming, or waiting for an approval) a message can go into it or wait for it to end: Enter then
 * sends it into the answer, and Queue keeps it for afterwards.
 */
import { useEffect } from 'react';

export function Composer({
  draft,
  onDraft,
  onSend,
  onQueue,
  running,
  busy,
  onStop,
}: {
  draft: string;
  onDraft: (text: string) => void;
  /** A new message, or (while `running`) one sent into the running answer. */
  onSend: () => void;
  onQueue: () => void;
  running: boolean;
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
        {running && (
          <button type="button" className="secondary" disabled={!draft.trim()} onClick={onQueue}>
            Queue
          </button>
        )}
        <button type="submit" disabled={!draft.trim()}>
          {running ? 'Send into answer' : 'Send'}
        </button>
      </div>
    </form>
  );
}
