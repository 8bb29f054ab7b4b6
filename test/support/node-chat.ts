/**
 * useChat without React: the ai package's own AbstractChat with a plain in-memory state, subclassed the way
 * @ai-sdk/react's Chat does, so tests drive the exact client logic a browser runs (message assembly, approval
 * responses, automatic resends). `NodeChat` is ai 7's; `NodeChatV6` is ai 6's, for the apps that stay on it.
 * The recording transports keep every chunk their chat read, so a test can see what the client was sent.
 */
import {
  AbstractChat,
  DefaultChatTransport,
  type ChatInit,
  type ChatState,
  type ChatStatus,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import {
  AbstractChat as AbstractChatV6,
  DefaultChatTransport as DefaultChatTransportV6,
  type ChatInit as ChatInitV6,
  type ChatState as ChatStateV6,
  type UIMessage as UIMessageV6,
  type UIMessageChunk as UIMessageChunkV6,
} from 'ai-v6';

class MemoryChatState<M> {
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

/** Resolves once the chat is idle again (automatic resends included), failing on a chat error. */
async function settledChat(chat: { status: string; error: Error | undefined }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Give an automatic resend a moment to begin before judging the chat idle.
  await new Promise((resolve) => setTimeout(resolve, 50));
  while (chat.status === 'submitted' || chat.status === 'streaming') {
    if (Date.now() > deadline) throw new Error(`chat still ${chat.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (chat.status === 'error') throw chat.error ?? new Error('chat error');
}

export class NodeChat<M extends UIMessage = UIMessage> extends AbstractChat<M> {
  constructor(init: Omit<ChatInit<M>, 'messages'> & { messages?: M[] }) {
    super({ ...init, state: new MemoryChatState<M>(init.messages ?? []) as ChatState<M> });
  }

  settled(timeoutMs = 20_000): Promise<void> {
    return settledChat(this, timeoutMs);
  }
}

export class NodeChatV6<M extends UIMessageV6 = UIMessageV6> extends AbstractChatV6<M> {
  constructor(init: Omit<ChatInitV6<M>, 'messages'> & { messages?: M[] }) {
    super({ ...init, state: new MemoryChatState<M>(init.messages ?? []) as ChatStateV6<M> });
  }

  settled(timeoutMs = 20_000): Promise<void> {
    return settledChat(this, timeoutMs);
  }
}

type TransportOptions = ConstructorParameters<typeof DefaultChatTransport>[0] & {};

/** Records every chunk the transport hands its chat, in order, across requests and resumes. */
function tap<C>(stream: ReadableStream<C>, into: C[]): ReadableStream<C> {
  return stream.pipeThrough(
    new TransformStream<C, C>({
      transform(chunk, controller) {
        into.push(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** ai 7's DefaultChatTransport, keeping what it read. */
export class RecordingTransport<M extends UIMessage = UIMessage> extends DefaultChatTransport<M> {
  readonly chunks: UIMessageChunk[] = [];
  constructor(options: TransportOptions) {
    super(options);
  }
  protected override processResponseStream(stream: ReadableStream<Uint8Array>): ReadableStream<UIMessageChunk> {
    return tap(super.processResponseStream(stream), this.chunks);
  }
}

/** ai 6's DefaultChatTransport, keeping what it read. */
export class RecordingTransportV6<M extends UIMessageV6 = UIMessageV6> extends DefaultChatTransportV6<M> {
  readonly chunks: UIMessageChunkV6[] = [];
  constructor(options: ConstructorParameters<typeof DefaultChatTransportV6>[0] & {}) {
    super(options);
  }
  protected override processResponseStream(stream: ReadableStream<Uint8Array>): ReadableStream<UIMessageChunkV6> {
    return tap(super.processResponseStream(stream), this.chunks);
  }
}
