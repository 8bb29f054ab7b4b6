/**
 * One thread's conversation on useChat: streaming answers, tool cards with inline approvals, Stop through the
 * stop route, messages sent into a running answer or queued after it, resume after a reload or a dropped
 * connection, and a live view of answers started elsewhere.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useChat } from '@ai-sdk/react';
import {
  DefaultChatTransport,
  generateId,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type UIMessage,
} from 'ai';
import { authorizedFetch } from './api.ts';
import { ApiError, isConnectionFailure } from './api-error.ts';
import { ChatHeader } from './chat-header.tsx';
import { Composer } from './composer.tsx';
import { MessageView } from './message-view.tsx';
import { describeProblem } from './problem.ts';
import type { Agent, Completion, ThreadDetail } from './schemas.ts';
import { loadMessages, loadThread, steerAnswer, stopThread } from './thread-api.ts';
import { TurnDetails } from './turn-details.tsx';
import { useMessageQueue } from './use-message-queue.ts';
import { useReconnect } from './use-reconnect.ts';
import { useThreadNews, type ThreadStatusEvent } from './use-thread-news.ts';

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

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

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
  /** A refusal outside useChat's own requests (a message sent into a running answer, Stop). */
  const [refusal, setRefusal] = useState<string | null>(null);
  const [connectionLost, setConnectionLost] = useState(false);
  const choices = useRef<Record<string, string>>({});
  choices.current = { ...(agent ? { agent } : {}), ...(model.trim() ? { model: model.trim() } : {}) };
  /** The text of the last send, put back into the box if the server refuses it or cannot be reached. */
  const lastSent = useRef<string | null>(null);
  // Counts the page's sends: a transcript loaded across one is older than the page, which already shows the message.
  const sends = useRef(0);
  /** The id a text was last sent into the answer under: resending it after a lost response is the same message. */
  const steering = useRef<{ id: string; text: string } | null>(null);

  const transport = useMemo(
    () =>
      new DefaultChatTransport<UIMessage>({ api: '/api/chat', fetch: authorizedFetch, body: () => choices.current }),
    [],
  );

  async function refreshDetail() {
    try {
      setDetail(await loadThread(threadId));
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
      setDraft((current) => (current ? `${text}\n\n${current}` : text));
      if (error instanceof ApiError) chat.setMessages((messages) => messages.slice(0, -1));
    }
    lastSent.current = null;
    if (isConnectionFailure(error)) setConnectionLost(true);
  }, [chat.error]);

  /**
   * The server's transcript replaces the page's; a running answer is then followed live. Unless the page sent a
   * message while the transcript loaded (a queued message goes out as the answer before it ends): the transcript
   * may predate it, and the page, which shows it and streams its answer, is the newer of the two.
   */
  async function catchUp(running: boolean) {
    const sendsBefore = sends.current;
    const messages = await loadMessages(threadId);
    if (sends.current !== sendsBefore) return;
    chat.setMessages(messages);
    void refreshDetail();
    if (running) await chat.resumeStream();
  }

  // Server down or connection cut: once the API answers again, catch up and resume whatever still runs.
  useReconnect(connectionLost, async () => {
    await catchUp(false);
    chat.clearError();
    setConnectionLost(false);
    setNotice('Reconnected.');
    await chat.resumeStream();
  });

  useThreadNews(statusEvent, !busy && !connectionLost, (runStatus) => {
    catchUp(runStatus === 'running').catch(() => {
      // The stream's own error handling shows what went wrong.
    });
  });

  function sendNew(text: string) {
    sends.current += 1;
    lastSent.current = text;
    chat.clearError();
    void chat.sendMessage({ text });
  }

  const queue = useMessageQueue(threadId, busy || connectionLost, detail, sendNew);
  /** An answer is running while the page streams it, and also while it waits for an approval. */
  const running = busy || detail.activeCompletionId !== null;

  function send() {
    const text = draft.trim();
    if (!text) return;
    setNotice(null);
    setRefusal(null);
    if (running) {
      sendIntoAnswer(text);
      return;
    }
    setDraft('');
    sendNew(text);
  }

  function sendIntoAnswer(text: string) {
    if (steering.current?.text !== text) steering.current = { id: generateId(), text };
    // The draft leaves the box only once the answer has taken it.
    steerAnswer(threadId, steering.current.id, text)
      .then((outcome) => {
        steering.current = null;
        setDraft('');
        setNotice(
          outcome.status === 'enqueued'
            ? 'The answer could not take it, so this thread queued it as the next message.'
            : 'Sent into the answer: it reads it at its next step.',
        );
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError) {
          steering.current = null;
          setRefusal(`Not sent into the answer (${error.code}): ${error.message}. Your message is still in the box.`);
          void refreshDetail();
        } else setRefusal(`${messageOf(error)}. Your message is still in the box.`);
      });
  }

  function enqueue() {
    const text = draft.trim();
    if (!text) return;
    setRefusal(null);
    queue.enqueue(text);
    setDraft('');
    setNotice('Queued: it is sent once this answer has ended.');
  }

  /** Queued messages back into the box, e.g. when the reader stops the answer they were waiting for. */
  function unqueue() {
    const taken = queue.takeAll();
    if (taken.length > 0) setDraft((current) => [...taken, current].filter(Boolean).join('\n\n'));
  }

  const stop = () => {
    unqueue();
    void stopThread(threadId).catch((error: unknown) => setRefusal(messageOf(error)));
  };

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
      <ChatHeader detail={detail} agents={agents} agent={agent} onAgent={setAgent} model={model} onModel={setModel} />
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
        {queue.queued.length > 0 && (
          <section className="queued" aria-label="Queued">
            {queue.queued.map((text, index) => (
              <p key={index} className="user-text">
                {text}
              </p>
            ))}
            <button type="button" className="link" onClick={unqueue}>
              Edit queued
            </button>
          </section>
        )}
      </div>
      {(problem || notice) && (
        <p className={problem ? 'problem' : 'notice'} role={problem ? 'alert' : 'status'}>
          {problem ?? notice}
        </p>
      )}
      <Composer
        draft={draft}
        onDraft={setDraft}
        onSend={send}
        onQueue={enqueue}
        running={running}
        busy={busy}
        onStop={stop}
      />
    </div>
  );
}
