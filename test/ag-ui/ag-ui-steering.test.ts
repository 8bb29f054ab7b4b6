/**
 * Steering seen from AG-UI: a message sent with POST /api/chat/:threadId/steer while an AG-UI run streams shows up
 * in that run as a user message, between the step that was running and the step that read it.
 */
import { randomUUID } from 'node:crypto';
import { EventType, type BaseEvent } from '@ag-ui/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { mark, slowWords, steer, text } from '../steering/support.js';
import { agentFor, runAgent } from './ag-ui-client.js';

describe('steering over AG-UI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  it('shows a steering message as a user message before the step that read it', async () => {
    const said = mark('STEER');
    h.model.enqueue(
      {
        kind: 'tool-calls',
        text: slowWords(12),
        calls: [{ name: 'echo', argsChunks: ['{"text":"hi"}'] }],
        delayMs: 100,
      },
      { kind: 'text', chunks: ['Noted.'] },
    );
    const agent = agentFor(h, `agui-${randomUUID()}`);
    agent.addMessage({ id: 'u-1', role: 'user', content: 'start' });
    const before = h.model.requests.length;
    const running = runAgent(agent, { forwardedProps: { tools: ['echo'] } });
    await h.model.waitForRequests(before + 1, 10_000);

    expect((await steer(h, agent.threadId, { id: 'steer-1', parts: text(said) })).status).toBe(202);
    const { events, error } = await running;

    expect(error).toBeUndefined();
    const shape = events
      .filter((event) => event.type.startsWith('STEP_') || event.type.startsWith('TEXT_MESSAGE_START'))
      .map((event: BaseEvent) => `${event.type} ${String(event.stepName ?? event.role)}`);
    expect(shape).toEqual([
      'STEP_STARTED step-0',
      'TEXT_MESSAGE_START assistant',
      'STEP_FINISHED step-0',
      'TEXT_MESSAGE_START user',
      'STEP_STARTED step-1',
      'TEXT_MESSAGE_START assistant',
      'STEP_FINISHED step-1',
    ]);
    expect(events.filter((event) => event.type === EventType.RUN_FINISHED)).toMatchObject([
      { outcome: { type: 'success' } },
    ]);
    // The client's transcript has it where the model read it: after the tool result, before the answer to it.
    expect(agent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'user', 'assistant']);
    expect(agent.messages[3]).toEqual({ id: 'steer-1', role: 'user', content: said });
    expect(agent.messages[4]).toMatchObject({ role: 'assistant', content: 'Noted.' });
  });

  it('lands a message sent during the final answer: one more step answers it, in the same run', async () => {
    const said = mark('LATE');
    h.model.enqueue({ kind: 'text', chunks: slowWords(12), delayMs: 100 }, { kind: 'text', chunks: ['Also that.'] });
    const agent = agentFor(h, `agui-${randomUUID()}`);
    agent.addMessage({ id: 'u-1', role: 'user', content: 'start' });
    const before = h.model.requests.length;
    const running = runAgent(agent);
    await h.model.waitForRequests(before + 1, 10_000);

    expect((await steer(h, agent.threadId, { id: 'late-1', parts: text(said) })).status).toBe(202);
    const { events, error } = await running;

    expect(error).toBeUndefined();
    expect(events.filter((event) => event.type === EventType.RUN_STARTED)).toHaveLength(1);
    expect(events.filter((event) => event.type === EventType.RUN_FINISHED)).toMatchObject([
      { outcome: { type: 'success' } },
    ]);
    expect(agent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(agent.messages[1]).toMatchObject({ role: 'assistant', content: slowWords(12).join('') });
    expect(agent.messages[2]).toEqual({ id: 'late-1', role: 'user', content: said });
    expect(agent.messages[3]).toMatchObject({ role: 'assistant', content: 'Also that.' });
  });

  it('steers the running answer with a new run’s message on a `steer` thread, and streams that answer', async () => {
    const said = mark('STEER');
    const threadId = `agui-${randomUUID()}`;
    const created = await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: threadId, doubleTextPolicy: 'steer' }),
    });
    expect(created.status).toBe(201);
    h.model.enqueue(
      {
        kind: 'tool-calls',
        text: slowWords(12),
        calls: [{ name: 'echo', argsChunks: ['{"text":"hi"}'] }],
        delayMs: 100,
      },
      { kind: 'text', chunks: ['Noted.'] },
    );
    const first = agentFor(h, threadId);
    first.addMessage({ id: 'u-1', role: 'user', content: 'start' });
    const before = h.model.requests.length;
    const running = runAgent(first, { forwardedProps: { tools: ['echo'] } });
    await h.model.waitForRequests(before + 1, 10_000);

    // Another tab of the same user sends a message while the answer runs.
    const second = agentFor(h, threadId);
    second.addMessage({ id: 'u-2', role: 'user', content: said });
    const steered = await runAgent(second);

    expect(steered.error).toBeUndefined();
    expect((await running).error).toBeUndefined();
    for (const agent of [first, second]) {
      expect(agent.messages.filter((message) => message.role === 'user').at(-1)).toEqual({
        id: 'u-2',
        role: 'user',
        content: said,
      });
      expect(agent.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Noted.' });
    }
    expect(steered.events.filter((event) => event.type === EventType.RUN_FINISHED)).toMatchObject([
      { outcome: { type: 'success' } },
    ]);
    // One answer, steered; not a second turn.
    const { completions } = await readJson(await h.api(`/v1/threads/${threadId}`));
    expect(completions).toHaveLength(1);
  });
});
