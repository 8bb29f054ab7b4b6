/**
 * Longhaul's guarantees as an AG-UI client meets them: a retried step, Stop, joining a running run after a
 * reload, and requests refused before anything is written.
 */
import { randomUUID } from 'node:crypto';
import {
  EventType,
  type BaseEvent,
  type CustomEvent,
  type RunFinishedEvent,
  type RunStartedEvent,
} from '@ag-ui/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import { agentFor, assistantText, ofType, runAgent } from './ag-ui-client.js';

describe('AG-UI streams', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  const newAgent = (content = 'go') => {
    const agent = agentFor(h, `agui-${randomUUID()}`);
    agent.addMessage({ id: `u-${randomUUID()}`, role: 'user', content });
    return agent;
  };
  const longAnswer = () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i} `);
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 50 });
    return words.join('');
  };

  it('closes a failed attempt’s step and names its message as superseded before the retry', async () => {
    h.model.enqueue(
      { kind: 'error-mid-stream', chunks: ['The answer is', ' forty'], errorType: 'server_error' },
      { kind: 'text', chunks: ['The answer ', 'is 42.'] },
    );
    const agent = newAgent();
    const { events, error } = await runAgent(agent);

    expect(error).toBeUndefined();
    const [reset] = ofType<CustomEvent>(events, EventType.CUSTOM);
    expect(reset!.name).toBe('longhaul.step-reset');
    const superseded: string[] = reset!.value.supersededMessageIds;
    expect(reset!.value).toMatchObject({ step: 0, attempt: 2, supersededToolCallIds: [] });
    const steps = events.filter(
      (event) => event.type === EventType.STEP_STARTED || event.type === EventType.STEP_FINISHED,
    );
    expect(steps.map((event) => `${event.type} ${event.stepName}`)).toEqual([
      'STEP_STARTED step-0',
      'STEP_FINISHED step-0',
      'STEP_STARTED step-0',
      'STEP_FINISHED step-0',
    ]);
    // AG-UI cannot take back a message: the failed attempt's stays, under an id the reset names.
    const texts = agent.messages.filter((message) => message.role === 'assistant');
    expect(texts.map((message) => [superseded.includes(message.id), message.content])).toEqual([
      [true, 'The answer is forty'],
      [false, 'The answer is 42.'],
    ]);
    expect(ofType<RunFinishedEvent>(events, EventType.RUN_FINISHED)[0]!.outcome).toEqual({ type: 'success' });
  });

  it('ends a stopped run with the cancelled outcome, its open message and step closed', async () => {
    longAnswer();
    const agent = newAgent();
    let stop: Promise<Response> | undefined;
    const { events, error } = await runAgent(
      agent,
      {},
      {
        onEvent(event) {
          if (event.type === EventType.TEXT_MESSAGE_CONTENT && !stop)
            stop = h.api(`/api/chat/${agent.threadId}/stop`, { method: 'POST' });
        },
      },
    );

    expect(error).toBeUndefined();
    expect((await stop!).status).toBe(202);
    expect(events.slice(-3).map((event) => event.type)).toEqual([
      EventType.TEXT_MESSAGE_END,
      EventType.STEP_FINISHED,
      EventType.RUN_FINISHED,
    ]);
    expect(ofType<RunFinishedEvent>(events, EventType.RUN_FINISHED)[0]!.outcome).toEqual({ type: 'cancelled' });
    // The abort goes out as soon as the model's stream is cut; the turn ends once Temporal confirms.
    await waitFor(
      async () => (await readJson(await h.api(`/v1/threads/${agent.threadId}`))).completions[0].status === 'cancelled',
    );
  });

  it('lets a client that reloads mid-run join it from the start with connectAgent', async () => {
    const full = longAnswer();
    const first = newAgent();
    let joined: Promise<{ events: BaseEvent[]; error?: Error }> | undefined;
    const second = agentFor(h, first.threadId);
    const original = await runAgent(
      first,
      {},
      {
        onEvent(event) {
          // Some of the answer has gone out: a second tab of the same user joins now.
          if (event.type === EventType.TEXT_MESSAGE_CONTENT && !joined)
            joined = runAgent(second, {}, { connect: true });
        },
      },
    );
    const { events, error } = await joined!;

    expect(original.error).toBeUndefined();
    expect(error).toBeUndefined();
    const [started] = ofType<RunStartedEvent>(events, EventType.RUN_STARTED);
    const finished = ofType<RunFinishedEvent>(original.events, EventType.RUN_FINISHED)[0]!;
    expect(started).toMatchObject({ threadId: first.threadId, runId: finished.metadata!.completionId });
    expect(assistantText(second)).toBe(full);
    expect(assistantText(first)).toBe(full);
    expect(ofType<RunFinishedEvent>(events, EventType.RUN_FINISHED)[0]!.outcome).toEqual({ type: 'success' });

    // Nothing runs any more: there is nothing to join (204), which is no error.
    const idle = await runAgent(agentFor(h, first.threadId), {}, { connect: true });
    expect(idle).toEqual({ events: [] });
  });

  describe('refuses bad input before anything is written', () => {
    const post = (body: unknown, key = h.apiKey) =>
      fetch(`${h.apiUrl}/ag-ui`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const runInput = (threadId: string, extra: Record<string, unknown> = {}) => ({
      threadId,
      runId: 'r-1',
      messages: [{ id: 'u-1', role: 'user', content: 'hello' }],
      ...extra,
    });
    const expectNoThread = async (threadId: string) =>
      expect((await h.api(`/v1/threads/${threadId}`)).status).toBe(404);

    it('a body AG-UI’s schema refuses: 400 with the schema’s message', async () => {
      const threadId = `agui-${randomUUID()}`;
      const response = await post({ threadId, messages: [{ id: 'u-1', role: 'user' }] });
      expect(response.status).toBe(400);
      const { error } = await readJson(response);
      expect(error.message).toContain('runId: Invalid input: expected string, received undefined');
      expect(error.message).toContain('messages[0].content');
      await expectNoThread(threadId);
    });

    it('input AG-UI allows but Longhaul cannot store or use: 400 naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ messages: [{ id: 'u-1', role: 'user', content: 'a\u0000b' }] }, 'messages[0].content'],
        [{ messages: [{ id: 'u-1', role: 'assistant', content: 'hi' }] }, 'must contain the new user message'],
        [
          {
            messages: [
              {
                id: 'u-1',
                role: 'user',
                content: [{ type: 'image', source: { type: 'url', value: 'https://example.com/a.png' } }],
              },
            ],
          },
          'only text parts are supported',
        ],
        [{ resume: [{ interruptId: 'made-up', status: 'cancelled' }] }, 'resume[0].interruptId'],
        [{ forwardedProps: { tools: 'echo' } }, 'forwardedProps.tools'],
      ];
      for (const [extra, message] of cases) {
        const threadId = `agui-${randomUUID()}`;
        const response = await post(runInput(threadId, extra));
        expect(response.status, JSON.stringify(extra)).toBe(400);
        expect((await readJson(response)).error.message).toContain(message);
        await expectNoThread(threadId);
      }
    });

    it('another user’s thread: 404 to resume or join it, as for a thread that does not exist', async () => {
      const other = await h.createUser();
      const agent = newAgent();
      h.model.enqueue({ kind: 'text', chunks: ['mine'] });
      expect((await runAgent(agent)).error).toBeUndefined();
      const interruptId = `tc_x_0_0:${'a'.repeat(64)}`;
      const resume = await post(
        runInput(agent.threadId, { resume: [{ interruptId, status: 'resolved', payload: { approved: true } }] }),
        other.apiKey,
      );
      expect(resume.status).toBe(404);
      const join = await h.api(`/ag-ui/${agent.threadId}/stream`, { key: other.apiKey });
      expect(join.status).toBe(404);
      const { messages } = await readJson(await h.api(`/v1/threads/${agent.threadId}/messages`));
      expect(messages).toHaveLength(2);
    });
  });
});
