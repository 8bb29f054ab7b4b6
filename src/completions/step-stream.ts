/**
 * Turns one attempt's normalized provider events into UI chunks as they arrive, and accumulates what the step
 * persists: the reasoning and the text so far, the tool calls with their argument text, usage and the finish reason.
 * Reasoning comes first (Anthropic's thinking block): it is closed when the answer's text or a tool call opens.
 */
import type { FinishReason, ModelEvent, Usage } from '../llm/types.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';

/** Each attempt streams its text under its own id, so a retry can tell viewers which text it supersedes. */
export function textIdFor(step: number, attempt: number): string {
  return `text-${step}-${attempt}`;
}

/** Like the text, each attempt's reasoning has its own id, so a retry can supersede it too. */
export function reasoningIdFor(step: number, attempt: number): string {
  return `reasoning-${step}-${attempt}`;
}

/** Deterministic per completion, step and call order, so a re-run step reuses its ids; safe for both vendors. */
export function toolCallIdFor(completionId: string, step: number, index: number): string {
  return `tc_${completionId.replace(/^cmp_/, '')}_${step}_${index}`;
}

export interface StreamedToolCall {
  id: string;
  name: string;
  argsJson: string;
}

export function createStepStream(options: {
  publish: (chunk: UIMessageChunk) => Promise<unknown>;
  textId: string;
  reasoningId: string;
  toolCallId: (index: number) => string;
  onFirstText: () => Promise<void>;
  /** Receives text deltas instead of the text chunks (structured output streams a growing object instead). */
  textSink?: (delta: string) => Promise<void>;
}) {
  const { publish } = options;
  const state = {
    reasoning: '',
    /** Once closed, the reasoning stays closed: the step keeps one reasoning part, before its text. */
    reasoningPhase: 'none' as 'none' | 'open' | 'closed',
    text: '',
    textOpen: false,
    calls: [] as StreamedToolCall[],
    usage: null as Usage | null,
    finishReason: 'other' as FinishReason,
  };
  const byProviderId = new Map<string, StreamedToolCall>();
  let firstTextRecorded: Promise<void> | undefined;
  const publishDelta = (delta: string) => publish({ type: 'text-delta', id: options.textId, delta });

  async function closeReasoning(): Promise<void> {
    if (state.reasoningPhase === 'open') await publish({ type: 'reasoning-end', id: options.reasoningId });
    if (state.reasoningPhase !== 'none') state.reasoningPhase = 'closed';
  }

  async function callFor(providerId: string, name: string): Promise<StreamedToolCall> {
    let call = byProviderId.get(providerId);
    if (!call) {
      await closeReasoning();
      call = { id: options.toolCallId(state.calls.length), name, argsJson: '' };
      state.calls.push(call);
      byProviderId.set(providerId, call);
      await publish({ type: 'tool-input-start', toolCallId: call.id, toolName: name });
    }
    return call;
  }

  return {
    state,
    async handle(event: ModelEvent): Promise<void> {
      switch (event.type) {
        case 'text-delta': {
          await closeReasoning();
          state.text += event.delta;
          const opening = !state.textOpen;
          if (opening) {
            state.textOpen = true;
            // The first token is what the user waits for: its timestamp is written alongside, not before it.
            firstTextRecorded = options.onFirstText();
            firstTextRecorded.catch(() => {});
          }
          if (options.textSink) await options.textSink(event.delta);
          // Both chunks are sent at once; one Redis connection keeps them in order.
          else if (opening)
            await Promise.all([publish({ type: 'text-start', id: options.textId }), publishDelta(event.delta)]);
          else await publishDelta(event.delta);
          return;
        }
        case 'tool-call-start':
          await callFor(event.id, event.name);
          return;
        case 'tool-call-delta': {
          const call = byProviderId.get(event.id);
          if (call && event.argsDelta) {
            call.argsJson += event.argsDelta;
            await publish({ type: 'tool-input-delta', toolCallId: call.id, inputTextDelta: event.argsDelta });
          }
          return;
        }
        case 'tool-call-end':
          (await callFor(event.id, event.name)).argsJson = event.argsJson;
          return;
        case 'usage':
          state.usage = event.usage;
          return;
        case 'finish':
          state.finishReason = event.reason;
          return;
        case 'reasoning-delta': {
          // Without Anthropic's interleaved-thinking beta (not requested), thinking only precedes the answer.
          if (state.reasoningPhase === 'closed' || !event.delta) return;
          state.reasoning += event.delta;
          const delta = { type: 'reasoning-delta' as const, id: options.reasoningId, delta: event.delta };
          if (state.reasoningPhase === 'open') await publish(delta);
          else {
            state.reasoningPhase = 'open';
            await Promise.all([publish({ type: 'reasoning-start', id: options.reasoningId }), publish(delta)]);
          }
          return;
        }
      }
    },
    /** Ends the open reasoning and text, when the stream finished or was cut short. */
    async close(): Promise<void> {
      await closeReasoning();
      if (!state.textOpen) return;
      state.textOpen = false;
      await firstTextRecorded;
      if (!options.textSink) await publish({ type: 'text-end', id: options.textId });
    },
  };
}
