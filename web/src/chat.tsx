/**
 * One thread's conversation on useChat: streaming answers, tool cards with inline approvals, Stop through the
 * stop route, resume after a reload or a dropped connection, and a live view of answers started elsewhere.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useChat } from '@ai-sdk/react';
import {
  DefaultChatTransport,
  generateId,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type UIMessage,
} from 'ai';
import { authorizedFetch, getJson, sendJson } from './api.ts';
import { ApiError, isConnectionFailure } from './api-error.ts';
import { Composer } from './composer.tsx';
import { MessageView } from './message-view.tsx';
import { describeProblem } from './problem.ts';
import { auditPath, onLinkClick } from './router.ts';
import {
  messagesSchema,
  okSchema,
  threadDetailSchema,
  type Agent,
  type Completion,
  type ThreadDetail,
} from './schemas.ts';
import { TurnDetails } from './turn-details.tsx';

const RECONNECT_MS = 1500;

export interface ThreadStatusEvent {
  runStatus: string;
  /** Increases with every event, so the same status twice still counts. */
  serial: number;
}

const threadUrl = (threadId: string, rest = '') => `/v1/threads/${encodeURIComponent(threadId)}${rest}`;

async function loadMessages(threadId: string): Promise<UIMessage[]> {
  const { messages } = await getJson(threadUrl(threadId, '/messages'), messagesSchema);
  return messages as UIMessage[];
}

/** The turn behind each assistant message: its latest completion (a regenerated one supersedes the older). */
function completionsByMessage(detail: ThreadDetail): Map<string, Completion> {
  const byMessage = new Map<string, Completion>();
  for (const completion of detail.completions) {
    const known = byMessage.get(completion.assistantMessageId);
    if (!known || known.timing.createdAt < completion.timing.createdAt)
      byMessage.set(completion.assistantMessageId, completion);
  }
  return byMessage;
}

export function ChatSession({
  initialDetail,
  initialMessages,
  agents,
  statusEvent,
  onThreadChanged,
}: {
  initialDetail: ThreadDetail;
  initialMessages: UIMessage[];
  agents: Agent[];
  statusEvent: ThreadStatusEvent | undefined;
  onThreadChanged: () => void;
}) {
  const threadId = initialDetail.id;
  const [detail, setDetail] = useState(initialDetail);
  const [agent, setAgent] = useState(initialDetail.agent ?? '');
  const [model, setModel] = useState('');
  const [draft, setDraft] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  /** A refusal outside useChat's own requests (a message sent while an answer runs, Stop). */
  const [refusal, setRefusal] = useState<string | null>(null);
  const [reconnecting, setReconnecting] = useState(false);
  const choices = useRef<Record<string, string>>({});
  choices.current = { ...(agent ? { agent } : {}), ...(model.trim() ? { model: model.trim() } : {}) };
  /** The text of the last send, put back into the box if the server refuses it or cannot be reached. */
  const lastSent = useRef<string | null>(null);

  const transport = useMemo(
    () =>
      new DefaultChatTransport<UIMessage>({ api: '/api/chat', fetch: authorizedFetch, body: () => choices.current }),
    [],
  );

  async function refreshDetail() {
    try {
      setDetail(await getJson(threadUrl(threadId), threadDetailSchema));
      onThreadChanged();
    } catch {
      // The next event or answer refreshes it again.
    }
  }

  const chat = useChat<UIMessage>({
    id: threadId,
    messages: initialMessages,
    transport,
    // A thread loaded mid-answer picks it up; one that starts later is followed through the thread's events.
    resume: initialDetail.activeCompletionId !== null,
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    onFinish: () => void refreshDetail(),
  });
  const busy = chat.status === 'submitted' || chat.status === 'streaming';

  // A refused or unsent message goes back into the box, and out of the transcript the server never stored.
  useEffect(() => {
    const error = chat.error;
    if (!error) return;
    const unanswered = chat.messages.at(-1)?.role === 'user';
    if (lastSent.current !== null && unanswered && (error instanceof ApiError || isConnectionFailure(error))) {
      const text = lastSent.current;
      setDraft((current) => (current ? current : text));
      if (error instanceof ApiError) chat.setMessages((messages) => messages.slice(0, -1));
    }
    lastSent.current = null;
    if (isConnectionFailure(error)) setReconnecting(true);
  }, [chat.error]);

  // Server down or connection cut: wait until the API answers again, then take the server's transcript and
  // resume whatever is still running.
  useEffect(() => {
    if (!reconnecting) return;
    let cancelled = false;
    const attempt = async () => {
      try {
        const health = await fetch('/healthz');
        if (!health.ok && health.status !== 503) throw new Error('not up');
        const messages = await loadMessages(threadId);
        if (cancelled) return;
        chat.setMessages(messages);
        chat.clearError();
        setReconnecting(false);
        setNotice('Reconnected.');
        void refreshDetail();
        void chat.resumeStream();
      } catch {
        if (!cancelled) timer = setTimeout(() => void attempt(), RECONNECT_MS);
      }
    };
    let timer = setTimeout(() => void attempt(), RECONNECT_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [reconnecting]);

  // An answer started or ended elsewhere (another tab, the approvals inbox, a message sent beside a running
  // answer): take the server's transcript, and follow a running answer live. What was known at mount is
  // useChat's own resume; news that arrives while this page streams is taken up once that stream has ended.
  const seenSerial = useRef(statusEvent?.serial ?? 0);
  const [missed, setMissed] = useState<string | null>(null);
  useEffect(() => {
    if (!statusEvent || statusEvent.serial <= seenSerial.current) return;
    seenSerial.current = statusEvent.serial;
    void refreshDetail();
    setMissed(statusEvent.runStatus);
  }, [statusEvent?.serial]);
  useEffect(() => {
    if (missed === null || busy || reconnecting) return;
    setMissed(null);
    void (async () => {
      try {
        chat.setMessages(await loadMessages(threadId));
        if (missed === 'running') await chat.resumeStream();
      } catch {
        // The stream's own error handling shows what went wrong.
      }
    })();
  }, [missed, busy, reconnecting]);

  function send() {
    const text = draft.trim();
    if (!text) return;
    setNotice(null);
    setRefusal(null);
    if (busy) {
      void sendBeside(text);
      return;
    }
    lastSent.current = draft;
    setDraft('');
    chat.clearError();
    void chat.sendMessage({ text });
  }

  /**
   * A message while an answer runs goes to the server directly, so the running answer's stream is left alone: the
   * thread's doubleTextPolicy decides (a 409 under `reject`), and a turn it accepts reaches this page through the
   * thread's events once it runs. The draft leaves the box only when the server took it.
   */
  async function sendBeside(text: string) {
    try {
      const response = await authorizedFetch('/api/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: threadId,
          trigger: 'submit-message',
          messages: [{ id: generateId(), role: 'user', parts: [{ type: 'text', text }] }],
          ...choices.current,
        }),
      });
      await response.body?.cancel();
      setDraft('');
      setNotice('Sent.');
    } catch (error) {
      setRefusal(error instanceof Error ? describeProblem(error, detail) : String(error));
    }
  }

  async function stop() {
    try {
      await sendJson('POST', `/api/chat/${encodeURIComponent(threadId)}/stop`, undefined, okSchema);
    } catch (error) {
      setRefusal(error instanceof Error ? error.message : String(error));
    }
  }

  // Follow the answer as it grows, unless the reader has scrolled up to read something earlier.
  const list = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    if (pinned.current && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [chat.messages]);

  const byMessage = completionsByMessage(detail);
  const lastMessage = chat.messages.at(-1);
  const problem = chat.error ? describeProblem(chat.error, detail) : refusal;

  return (
    <div className="chat">
      <header className="chat-header">
        <h1>{detail.title ?? detail.id}</h1>
        <div className="pickers">
          <label>
            Agent
            <select value={agent} onChange={(event) => setAgent(event.target.value)}>
              <option value="">{detail.agent ? `${detail.agent} (thread)` : 'default'}</option>
              {agents.map((choice) => (
                <option key={choice.name} value={choice.name} title={choice.description}>
                  {choice.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Model
            <input
              value={model}
              onChange={(event) => setModel(event.target.value)}
              placeholder="default"
              list="known-models"
              size={18}
            />
            <datalist id="known-models">
              {[
                ...new Set([
                  ...detail.completions.map((c) => c.model),
                  ...agents.flatMap((a) => (a.model ? [a.model] : [])),
                ]),
              ].map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          </label>
          <a href={auditPath(threadId)} onClick={onLinkClick(auditPath(threadId))}>
            Audit
          </a>
        </div>
      </header>
      <div
        className="messages"
        ref={list}
        aria-live="polite"
        aria-busy={busy}
        onScroll={(event) => {
          const { scrollTop, scrollHeight, clientHeight } = event.currentTarget;
          pinned.current = scrollHeight - scrollTop - clientHeight < 48;
        }}
      >
        {chat.messages.length === 0 && <p className="empty">Ask anything to start this thread.</p>}
        {chat.messages.map((message) => (
          <MessageView
            key={message.id}
            message={message}
            streaming={busy && message === lastMessage}
            onDecide={({ approvalId, approved, reason }) =>
              void chat.addToolApprovalResponse({ id: approvalId, approved, ...(reason ? { reason } : {}) })
            }
            footer={
              message.role === 'assistant' && (
                <>
                  <TurnDetails completion={byMessage.get(message.id)} />
                  {message === lastMessage && !busy && byMessage.get(message.id)?.status !== 'awaiting_approval' && (
                    <button type="button" className="link" onClick={() => void chat.regenerate()}>
                      Regenerate
                    </button>
                  )}
                </>
              )
            }
          />
        ))}
        {chat.status === 'submitted' && <p className="thinking">Thinking…</p>}
      </div>
      {(problem || notice) && (
        <p className={problem ? 'problem' : 'notice'} role={problem ? 'alert' : 'status'}>
          {problem ?? notice}
        </p>
      )}
      <Composer draft={draft} onDraft={setDraft} onSend={send} busy={busy} onStop={() => void stop()} />
    </div>
  );
}
