/**
 * useChat without React: the ai package's own AbstractChat with a plain in-memory state, so tests drive the
 * exact client logic a browser runs (message assembly, approval responses, automatic resends).
 */
import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from 'ai';

class MemoryChatState<M extends UIMessage> implements ChatState<M> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  constructor(public messages: M[]) {}
  pushMessage = (message: M) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: M) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

export class NodeChat<M extends UIMessage = UIMessage> extends AbstractChat<M> {
  constructor(init: Omit<ChatInit<M>, 'messages'> & { messages?: M[] }) {
    super({ ...init, state: new MemoryChatState<M>(init.messages ?? []) });
  }

  /** Resolves once the chat is idle again (automatic resends included), failing on a chat error. */
  async settled(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Give an automatic resend a moment to begin before judging the chat idle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    while (this.status === 'submitted' || this.status === 'streaming') {
      if (Date.now() > deadline) throw new Error(`chat still ${this.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (this.status === 'error') throw this.error ?? new Error('chat error');
  }
}
