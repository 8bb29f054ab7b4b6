/**
 * The chunk -> AG-UI translation on synthetic chunk sequences. Every event must pass @ag-ui/core's schema (no
 * field it does not name) and every sequence @ag-ui/client's own protocol verifier (what a client refuses to
 * apply: a message or tool call not opened, a run finished with a step still open, anything after the end).
 */
import { verifyEvents, type BaseEvent } from '@ag-ui/client';
import { lastValueFrom, from, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { parsePublishedChunk } from '../../src/ag-ui/published-chunk.js';
import { createAgUiTranslator, type ChunkFacts } from '../../src/ag-ui/translator.js';
import type { UIMessageChunk } from '../../src/stream/ui-chunks.js';
import { expectValidEvent } from './ag-ui-client.js';

const run = { threadId: 'thread-1', runId: 'run-1' };
const M = 'msg-1';

type Step = UIMessageChunk | [UIMessageChunk, ChunkFacts];

/** The events for a sequence of chunks (each optionally with its facts), checked as a client would check them. */
async function translate(steps: Step[]): Promise<BaseEvent[]> {
  const translator = createAgUiTranslator(run);
  const events = [...translator.start()];
  for (const step of steps) {
    const [chunk, facts] = Array.isArray(step) ? step : [step, {}];
    events.push(...translator.push({ catalogue: chunk }, facts));
  }
  for (const event of events) expectValidEvent(event);
  // Two copies of rxjs 7 (the client's own and the project's): the verifier only calls `pipe` on its source.
  const verify = verifyEvents() as unknown as (source: Observable<BaseEvent>) => Observable<BaseEvent>;
  await lastValueFrom(verify(from(events)).pipe(toArray()));
  return events;
}

/** Type, then the id-like fields, one line per event: the shape of a run at a glance. */
function brief(events: BaseEvent[]): string[] {
  return events.map((event) => {
    const { type, ...fields } = event as unknown as Record<string, unknown>;
    const keys = [
      'messageId',
      'role',
      'toolCallId',
      'toolCallName',
      'parentMessageId',
      'stepName',
      'name',
      'subagentRunId',
    ];
    const shown = keys.filter((key) => fields[key] !== undefined).map((key) => `${key}=${String(fields[key])}`);
    return [type, ...shown].join(' ');
  });
}

const textStep = (id: string, deltas: string[]): UIMessageChunk[] => [
  { type: 'text-start', id },
  ...deltas.map((delta): UIMessageChunk => ({ type: 'text-delta', id, delta })),
  { type: 'text-end', id },
];
const finish: UIMessageChunk = { type: 'finish', messageMetadata: { completionId: 'cmp_1', finishReason: 'stop' } };

describe('the AG-UI translator', () => {
  it('opens the run, gives each step’s text a message of its own and finishes with success', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      ...textStep('text-0-1', ['Hel', 'lo']),
      { type: 'finish-step' },
      {
        type: 'data-thread_status',
        id: 'status-cmp_1',
        data: { threadId: 't', completionId: 'cmp_1', runStatus: 'complete' },
        transient: true,
      },
      finish,
    ]);
    expect(events).toEqual([
      { type: 'RUN_STARTED', threadId: 'thread-1', runId: 'run-1', protocolVersion: '1.0' },
      { type: 'STEP_STARTED', stepName: 'step-0' },
      { type: 'TEXT_MESSAGE_START', messageId: 'msg-1:text-0-1', role: 'assistant' },
      { type: 'TEXT_MESSAGE_CONTENT', messageId: 'msg-1:text-0-1', delta: 'Hel' },
      { type: 'TEXT_MESSAGE_CONTENT', messageId: 'msg-1:text-0-1', delta: 'lo' },
      { type: 'TEXT_MESSAGE_END', messageId: 'msg-1:text-0-1' },
      { type: 'STEP_FINISHED', stepName: 'step-0' },
      {
        type: 'RUN_FINISHED',
        threadId: 'thread-1',
        runId: 'run-1',
        outcome: { type: 'success' },
        metadata: { completionId: 'cmp_1', finishReason: 'stop' },
      },
    ]);
  });

  it('streams tool calls under their step’s message, and their results as tool messages', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      ...textStep('text-0-1', ['Checking.']),
      { type: 'tool-input-start', toolCallId: 'tc_0', toolName: 'echo' },
      { type: 'tool-input-delta', toolCallId: 'tc_0', inputTextDelta: '{"text":"a"}' },
      { type: 'tool-input-available', toolCallId: 'tc_0', toolName: 'echo', input: { text: 'a' } },
      { type: 'tool-output-available', toolCallId: 'tc_0', output: { echoed: 'a' } },
      { type: 'finish-step' },
      { type: 'start-step' },
      // A provider that sends a call whole (no deltas): its arguments go out at once.
      { type: 'tool-input-start', toolCallId: 'tc_1', toolName: 'current_time' },
      { type: 'tool-input-available', toolCallId: 'tc_1', toolName: 'current_time', input: {} },
      { type: 'tool-output-error', toolCallId: 'tc_1', errorText: 'failed: clock stopped' },
      { type: 'finish-step' },
      finish,
    ]);
    expect(brief(events)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED stepName=step-0',
      'TEXT_MESSAGE_START messageId=msg-1:text-0-1 role=assistant',
      'TEXT_MESSAGE_CONTENT messageId=msg-1:text-0-1',
      'TEXT_MESSAGE_END messageId=msg-1:text-0-1',
      'TOOL_CALL_START toolCallId=tc_0 toolCallName=echo parentMessageId=msg-1:text-0-1',
      'TOOL_CALL_ARGS toolCallId=tc_0',
      'TOOL_CALL_END toolCallId=tc_0',
      'TOOL_CALL_RESULT messageId=tc_0:result role=tool toolCallId=tc_0',
      'STEP_FINISHED stepName=step-0',
      'STEP_STARTED stepName=step-1',
      'TOOL_CALL_START toolCallId=tc_1 toolCallName=current_time parentMessageId=msg-1:tc_1',
      'TOOL_CALL_ARGS toolCallId=tc_1',
      'TOOL_CALL_END toolCallId=tc_1',
      'TOOL_CALL_RESULT messageId=tc_1:result role=tool toolCallId=tc_1',
      'STEP_FINISHED stepName=step-1',
      'RUN_FINISHED',
    ]);
    expect(events.filter((event) => event.type === 'TOOL_CALL_ARGS').map((event) => event.delta)).toEqual([
      '{"text":"a"}',
      '{}',
    ]);
    expect(events.filter((event) => event.type === 'TOOL_CALL_RESULT').map((event) => event.content)).toEqual([
      '{"echoed":"a"}',
      'failed: clock stopped',
    ]);
  });

  it('ends a run that waits for approvals with the interrupt outcome: approval id, tool call, expiry', async () => {
    const approvalId = `tc_0:${'a'.repeat(64)}`;
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'tool-input-start', toolCallId: 'tc_0', toolName: 'save_note' },
      { type: 'tool-input-delta', toolCallId: 'tc_0', inputTextDelta: '{}' },
      { type: 'tool-input-available', toolCallId: 'tc_0', toolName: 'save_note', input: {} },
      [
        { type: 'tool-approval-request', approvalId, toolCallId: 'tc_0' },
        { approvalExpiresAt: '2026-12-08T00:00:00.000Z' },
      ],
      { type: 'finish-step' },
      {
        type: 'finish',
        messageMetadata: { completionId: 'cmp_1', finishReason: 'tool-calls', awaitingApproval: ['tc_0'] },
      },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'RUN_FINISHED',
      threadId: 'thread-1',
      runId: 'run-1',
      metadata: { completionId: 'cmp_1', finishReason: 'tool-calls' },
      outcome: {
        type: 'interrupt',
        interrupts: [
          {
            id: approvalId,
            reason: 'tool_approval',
            message: 'Approve the call to save_note?',
            toolCallId: 'tc_0',
            responseSchema: {
              type: 'object',
              properties: { approved: { type: 'boolean' }, reason: { type: 'string' } },
              required: ['approved'],
              additionalProperties: false,
            },
            expiresAt: '2026-12-08T00:00:00.000Z',
            metadata: { toolName: 'save_note' },
          },
        ],
      },
    });
  });

  it('shows a decision from elsewhere as a CUSTOM event, and a denial or expiry as the call’s result', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'tool-approval-response', approvalId: 'tc_0:x', approved: false },
      [
        { type: 'tool-output-denied', toolCallId: 'tc_0' },
        { denial: { reason: 'the approval request expired', expired: true } },
      ],
      { type: 'start-step' },
      ...textStep('text-1-1', ['Not saved.']),
      { type: 'finish-step' },
      finish,
    ]);
    expect(events[1]).toEqual({
      type: 'CUSTOM',
      name: 'longhaul.tool-approval-response',
      value: { approvalId: 'tc_0:x', approved: false },
    });
    // The call was opened in the interrupted run: its result is all this run says of it.
    expect(events[2]).toEqual({
      type: 'TOOL_CALL_RESULT',
      messageId: 'tc_0:result',
      toolCallId: 'tc_0',
      role: 'tool',
      content: '{"kind":"denied","reason":"the approval request expired","expired":true}',
    });
  });

  it('gives the model’s reasoning a reasoning message of its own, before the step’s text', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'reasoning-start', id: 'reasoning-0-1' },
      { type: 'reasoning-delta', id: 'reasoning-0-1', delta: 'Let me think.' },
      { type: 'reasoning-end', id: 'reasoning-0-1' },
      ...textStep('text-0-1', ['42']),
      { type: 'finish-step' },
      finish,
    ]);
    expect(brief(events)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED stepName=step-0',
      'REASONING_START messageId=msg-1:reasoning-0-1',
      'REASONING_MESSAGE_START messageId=msg-1:reasoning-0-1 role=reasoning',
      'REASONING_MESSAGE_CONTENT messageId=msg-1:reasoning-0-1',
      'REASONING_MESSAGE_END messageId=msg-1:reasoning-0-1',
      'REASONING_END messageId=msg-1:reasoning-0-1',
      'TEXT_MESSAGE_START messageId=msg-1:text-0-1 role=assistant',
      'TEXT_MESSAGE_CONTENT messageId=msg-1:text-0-1',
      'TEXT_MESSAGE_END messageId=msg-1:text-0-1',
      'STEP_FINISHED stepName=step-0',
      'RUN_FINISHED',
    ]);
    expect(events[4]).toMatchObject({ delta: 'Let me think.' });
  });

  it('closes reasoning cut off by a reset or a Stop, and names superseded reasoning', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'reasoning-start', id: 'reasoning-0-1' },
      { type: 'reasoning-delta', id: 'reasoning-0-1', delta: 'Hmm' },
      {
        type: 'data-step-reset',
        data: { step: 0, attempt: 2, supersededIds: ['reasoning-0-1', 'text-0-1'] },
      },
      { type: 'start-step' },
      { type: 'reasoning-delta', id: 'reasoning-0-2', delta: 'Again' },
      { type: 'abort', reason: 'cancelled' },
    ]);
    expect(brief(events)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED stepName=step-0',
      'REASONING_START messageId=msg-1:reasoning-0-1',
      'REASONING_MESSAGE_START messageId=msg-1:reasoning-0-1 role=reasoning',
      'REASONING_MESSAGE_CONTENT messageId=msg-1:reasoning-0-1',
      'REASONING_MESSAGE_END messageId=msg-1:reasoning-0-1',
      'REASONING_END messageId=msg-1:reasoning-0-1',
      'STEP_FINISHED stepName=step-0',
      'CUSTOM name=longhaul.step-reset',
      'STEP_STARTED stepName=step-0',
      'REASONING_START messageId=msg-1:reasoning-0-2',
      'REASONING_MESSAGE_START messageId=msg-1:reasoning-0-2 role=reasoning',
      'REASONING_MESSAGE_CONTENT messageId=msg-1:reasoning-0-2',
      'REASONING_MESSAGE_END messageId=msg-1:reasoning-0-2',
      'REASONING_END messageId=msg-1:reasoning-0-2',
      'STEP_FINISHED stepName=step-0',
      'RUN_FINISHED',
    ]);
    expect(events[8]).toMatchObject({
      value: { supersededMessageIds: ['msg-1:reasoning-0-1', 'msg-1:text-0-1'] },
    });
  });

  it('closes a failed attempt’s text, tool call and step at a reset, and names what it supersedes', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-0-1' },
      { type: 'text-delta', id: 'text-0-1', delta: 'The answer is' },
      { type: 'tool-input-start', toolCallId: 'tc_0', toolName: 'echo' },
      { type: 'data-step-reset', data: { step: 0, attempt: 2, supersededIds: ['text-0-1'] } },
      { type: 'start-step' },
      ...textStep('text-0-2', ['42']),
      { type: 'finish-step' },
      finish,
    ]);
    expect(brief(events)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED stepName=step-0',
      'TEXT_MESSAGE_START messageId=msg-1:text-0-1 role=assistant',
      'TEXT_MESSAGE_CONTENT messageId=msg-1:text-0-1',
      'TOOL_CALL_START toolCallId=tc_0 toolCallName=echo parentMessageId=msg-1:text-0-1',
      'TEXT_MESSAGE_END messageId=msg-1:text-0-1',
      'TOOL_CALL_END toolCallId=tc_0',
      'STEP_FINISHED stepName=step-0',
      'CUSTOM name=longhaul.step-reset',
      'STEP_STARTED stepName=step-0',
      'TEXT_MESSAGE_START messageId=msg-1:text-0-2 role=assistant',
      'TEXT_MESSAGE_CONTENT messageId=msg-1:text-0-2',
      'TEXT_MESSAGE_END messageId=msg-1:text-0-2',
      'STEP_FINISHED stepName=step-0',
      'RUN_FINISHED',
    ]);
    expect(events[8]!.value).toEqual({
      step: 0,
      attempt: 2,
      supersededMessageIds: ['msg-1:text-0-1'],
      supersededToolCallIds: ['tc_0'],
    });
  });

  it('numbers the steps of a replay, whose log no longer holds the failed attempt, one after the other', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'tool-input-start', toolCallId: 'tc_0', toolName: 'echo' },
      { type: 'tool-input-available', toolCallId: 'tc_0', toolName: 'echo', input: { text: 'a' } },
      { type: 'tool-output-available', toolCallId: 'tc_0', output: { echoed: 'a' } },
      { type: 'finish-step' },
      { type: 'data-step-reset', data: { step: 1, attempt: 2, supersededIds: ['text-1-1'] } },
      { type: 'start-step' },
      ...textStep('text-1-2', ['Found it.']),
      { type: 'finish-step' },
      finish,
    ]);
    expect(brief(events).filter((line) => line.startsWith('STEP_'))).toEqual([
      'STEP_STARTED stepName=step-0',
      'STEP_FINISHED stepName=step-0',
      'STEP_STARTED stepName=step-1',
      'STEP_FINISHED stepName=step-1',
    ]);
    // The finished step's call is not the failed attempt's.
    expect(events.find((event) => event.type === 'CUSTOM')).toMatchObject({ value: { supersededToolCallIds: [] } });
  });

  it('ends a stopped run as cancelled, closing what was open, and ignores what follows', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-0-1' },
      { type: 'text-delta', id: 'text-0-1', delta: 'Once upon' },
      { type: 'abort', reason: 'cancelled' },
      { type: 'text-delta', id: 'text-0-1', delta: ' a time' },
    ]);
    expect(brief(events).slice(-3)).toEqual([
      'TEXT_MESSAGE_END messageId=msg-1:text-0-1',
      'STEP_FINISHED stepName=step-0',
      'RUN_FINISHED',
    ]);
    expect(events.at(-1)!.outcome).toEqual({ type: 'cancelled' });
  });

  it('reports a failed turn as RUN_ERROR', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'error', errorText: 'budget_exceeded: the completion token budget is spent' },
      finish,
    ]);
    expect(events.slice(-1)).toEqual([
      { type: 'RUN_ERROR', message: 'budget_exceeded: the completion token budget is spent' },
    ]);
  });

  it('puts a steering message into the transcript as a user message, between the steps it came between', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      ...textStep('text-0-1', ['Reading the page.']),
      { type: 'finish-step' },
      {
        type: 'steering-message',
        id: 'steer-1',
        parts: [
          { type: 'text', text: 'Only the summary,' },
          { type: 'text', text: 'please.' },
        ],
      },
      { type: 'start-step' },
      ...textStep('text-1-1', ['Summary: …']),
      { type: 'finish-step' },
      finish,
    ]);
    expect(brief(events).slice(5, 10)).toEqual([
      'STEP_FINISHED stepName=step-0',
      'TEXT_MESSAGE_START messageId=steer-1 role=user',
      'TEXT_MESSAGE_CONTENT messageId=steer-1',
      'TEXT_MESSAGE_END messageId=steer-1',
      'STEP_STARTED stepName=step-1',
    ]);
    expect(events[7]!.delta).toBe('Only the summary,\nplease.');
  });

  it('does not hand back a steering message the client sent with this run', async () => {
    const translator = createAgUiTranslator({ ...run, clientMessageIds: ['u-1', 'u-2'] });
    translator.start();
    const steering = (id: string): UIMessageChunk => ({
      type: 'steering-message',
      id,
      parts: [{ type: 'text', text: 'x' }],
    });
    expect(translator.push({ catalogue: steering('u-2') })).toEqual([]);
    expect(translator.push({ catalogue: steering('s-9') }).map((event) => event.type)).toEqual([
      'TEXT_MESSAGE_START',
      'TEXT_MESSAGE_CONTENT',
      'TEXT_MESSAGE_END',
    ]);
  });

  it('follows a sub-agent with SUBAGENT events and its progress as an activity', async () => {
    const progress = (data: Record<string, unknown>): UIMessageChunk => ({
      type: 'data-subagent',
      id: 'subagent-tc_0',
      data: { toolCallId: 'tc_0', completionId: 'cmp_child', threadId: 'thr_child', agent: 'researcher', ...data },
    });
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'tool-input-start', toolCallId: 'tc_0', toolName: 'research' },
      { type: 'tool-input-available', toolCallId: 'tc_0', toolName: 'research', input: { question: 'why' } },
      progress({ status: 'running', step: 0 }),
      progress({ status: 'running', step: 1, currentTool: 'fetch_url' }),
      progress({ status: 'completed', steps: 2 }),
      { type: 'tool-output-available', toolCallId: 'tc_0', output: 'because' },
      { type: 'finish-step' },
      finish,
    ]);
    expect(brief(events).slice(5, 10)).toEqual([
      'SUBAGENT_STARTED parentMessageId=msg-1:tc_0 name=researcher subagentRunId=cmp_child',
      // The parent's view of the sub-agent's progress: an activity of the parent's, updated in place.
      'ACTIVITY_SNAPSHOT messageId=subagent-tc_0',
      'ACTIVITY_SNAPSHOT messageId=subagent-tc_0',
      'ACTIVITY_SNAPSHOT messageId=subagent-tc_0',
      'SUBAGENT_FINISHED subagentRunId=cmp_child',
    ]);
    expect(events[5]).toMatchObject({ parentToolCallId: 'tc_0' });
    expect(events[7]).toMatchObject({
      activityType: 'longhaul.subagent',
      content: { step: 1, currentTool: 'fetch_url' },
    });
  });

  it('ends a sub-agent still running when its parent is stopped', async () => {
    const events = await translate([
      { type: 'start', messageId: M },
      { type: 'start-step' },
      { type: 'tool-input-start', toolCallId: 'tc_0', toolName: 'research' },
      {
        type: 'data-subagent',
        id: 'subagent-tc_0',
        data: { toolCallId: 'tc_0', completionId: 'cmp_child', status: 'running' },
      },
      { type: 'abort', reason: 'cancelled' },
    ]);
    expect(brief(events).slice(-4)).toEqual([
      'TOOL_CALL_END toolCallId=tc_0',
      'STEP_FINISHED stepName=step-0',
      'SUBAGENT_ERROR subagentRunId=cmp_child',
      'RUN_FINISHED',
    ]);
  });

  it('carries what AG-UI has no event for as CUSTOM events named after the chunk', async () => {
    const translator = createAgUiTranslator(run);
    translator.start();
    expect(
      translator.push({ catalogue: { type: 'data-object', id: 'object-cmp_1', data: { verdict: 'ok' } } }),
    ).toEqual([{ type: 'CUSTOM', name: 'longhaul.object', value: { id: 'object-cmp_1', data: { verdict: 'ok' } } }]);
    const source = parsePublishedChunk('{"type":"source-url","sourceId":"s1","url":"https://example.com/"}')!;
    expect(source).toEqual({ other: { type: 'source-url', sourceId: 's1', url: 'https://example.com/' } });
    const events = translator.push(source);
    expect(events).toEqual([
      { type: 'CUSTOM', name: 'longhaul.source-url', value: { sourceId: 's1', url: 'https://example.com/' } },
    ]);
    for (const event of events) expectValidEvent(event);
  });

  it('reads catalogue chunks back from the log as what they are', () => {
    expect(parsePublishedChunk('{"type":"text-delta","id":"text-0-1","delta":"hi"}')).toEqual({
      catalogue: { type: 'text-delta', id: 'text-0-1', delta: 'hi' },
    });
    // A catalogue type with fields it does not have is not taken for one.
    expect(parsePublishedChunk('{"type":"text-delta","id":7}')).toEqual({ other: { type: 'text-delta', id: 7 } });
  });
});
