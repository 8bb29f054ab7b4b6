/**
 * Approvals over AG-UI: a turn that needs one ends its run with the interrupt outcome (the approval id, the tool
 * call, when it lapses), and the client's next run answers it with `resume`: resolved with `{approved}` approves
 * or denies, cancelled denies. The answered turn continues in the same Longhaul completion.
 */
import { randomUUID } from 'node:crypto';
import { EventType, type RunFinishedEvent, type ToolCallResultEvent, type ToolCallStartEvent } from '@ag-ui/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalIdFor } from '../../src/tools/args-digest.js';
import { readJson } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { findPendingApproval } from '../support/pending-approval.js';
import { createTestTools, type TestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import { agentFor, assistantText, ofType, runAgent, type LonghaulAgent } from './ag-ui-client.js';

describe('approvals over AG-UI', () => {
  let h: Harness;
  let tools: TestTools;
  beforeAll(async () => {
    tools = createTestTools({ shortExpiryMs: 1_000 });
    h = await startHarness({}, { tools: tools.definitions });
  });
  afterAll(() => h?.close());

  /** A run whose model asks for `tool` and that ends interrupted; `then` is what the model says after the decision. */
  async function interruptedRun(tool: 'transfer' | 'hasty_approval', then: string) {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: tool, argsChunks: [tool === 'transfer' ? '{"amount":5}' : '{}'] }] },
      { kind: 'text', chunks: [then] },
    );
    const threadId = `agui-${randomUUID()}`;
    const agent = agentFor(h, threadId);
    agent.addMessage({ id: 'u-1', role: 'user', content: 'go' });
    const { events, error } = await runAgent(agent, { forwardedProps: { tools: [tool] } });
    expect(error).toBeUndefined();
    return { threadId, agent, events, finished: ofType<RunFinishedEvent>(events, EventType.RUN_FINISHED)[0]! };
  }

  async function resumeWith(agent: LonghaulAgent, status: 'resolved' | 'cancelled', payload?: unknown) {
    const [interrupt] = agent.pendingInterrupts;
    const outcome = await runAgent(agent, {
      resume: [{ interruptId: interrupt!.id, status, ...(payload === undefined ? {} : { payload }) }],
    });
    expect(outcome.error).toBeUndefined();
    const [result] = ofType<ToolCallResultEvent>(outcome.events, EventType.TOOL_CALL_RESULT);
    const finished = ofType<RunFinishedEvent>(outcome.events, EventType.RUN_FINISHED)[0]!;
    return { ...outcome, result: result!, finished };
  }

  it('ends the run with an interrupt for the call, and runs it once when approved after a worker restart', async () => {
    const { threadId, agent, events, finished } = await interruptedRun('transfer', 'Transferred.');
    const approval = await findPendingApproval(h, threadId);
    const [call] = ofType<ToolCallStartEvent>(events, EventType.TOOL_CALL_START);
    expect(call).toMatchObject({ toolCallId: approval.toolCallId, toolCallName: 'transfer' });
    expect(finished.outcome).toEqual({
      type: 'interrupt',
      interrupts: [
        {
          id: approvalIdFor(approval.toolCallId, approval.argsDigest),
          reason: 'tool_approval',
          message: 'Approve the call to transfer?',
          toolCallId: approval.toolCallId,
          responseSchema: expect.objectContaining({ required: ['approved'] }),
          expiresAt: expect.any(String),
          metadata: { toolName: 'transfer' },
        },
      ],
    });
    expect(agent.pendingInterrupts).toHaveLength(1);

    await h.stopWorker();
    await h.startWorker();
    const resumed = await resumeWith(agent, 'resolved', { approved: true });

    expect(resumed.events[0]).toMatchObject({ type: EventType.RUN_STARTED, threadId });
    expect(resumed.result).toMatchObject({ toolCallId: approval.toolCallId });
    expect(JSON.parse(resumed.result.content as string)).toMatchObject({ transferred: 5 });
    expect(resumed.finished.outcome).toEqual({ type: 'success' });
    expect(agent.pendingInterrupts).toEqual([]);
    expect(assistantText(agent)).toBe('Transferred.');
    expect(tools.executions.get('transfer')).toBe(1);
    const inbox = await readJson(await h.api('/v1/approvals'));
    expect(inbox.approvals.some((a: { threadId: string }) => a.threadId === threadId)).toBe(false);
  });

  it('denies with the reason in the payload; the model reads it', async () => {
    const before = tools.executions.get('transfer') ?? 0;
    const { agent } = await interruptedRun('transfer', 'Not transferred.');
    const resumed = await resumeWith(agent, 'resolved', { approved: false, reason: 'not today' });
    expect(JSON.parse(resumed.result.content as string)).toEqual({
      kind: 'denied',
      reason: 'not today',
      expired: false,
    });
    expect(assistantText(agent)).toBe('Not transferred.');
    expect(tools.executions.get('transfer') ?? 0).toBe(before);
    expect(JSON.stringify(h.model.requests.at(-1)!.body)).toContain('not today');
  });

  it('denies a cancelled interrupt', async () => {
    const before = tools.executions.get('transfer') ?? 0;
    const { agent } = await interruptedRun('transfer', 'Fine, no transfer.');
    const resumed = await resumeWith(agent, 'cancelled');
    expect(JSON.parse(resumed.result.content as string)).toMatchObject({ kind: 'denied', expired: false });
    expect(resumed.finished.outcome).toEqual({ type: 'success' });
    expect(tools.executions.get('transfer') ?? 0).toBe(before);
  });

  it('shows a lapsed approval’s continuation to the client that cancels it afterwards', async () => {
    const { agent, finished } = await interruptedRun('hasty_approval', 'It expired.');
    const [interrupt] = finished.outcome?.type === 'interrupt' ? finished.outcome.interrupts : [];
    const completionId = (await readJson(await h.api(`/v1/threads/${agent.threadId}`))).completions[0].id;
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed',
      20_000,
      'the turn went on without the approval',
    );
    // @ag-ui/client refuses to answer an expired interrupt any other way than by cancelling it.
    expect(new Date(interrupt!.expiresAt!).getTime()).toBeLessThanOrEqual(Date.now());
    const resumed = await resumeWith(agent, 'cancelled');
    expect(JSON.parse(resumed.result.content as string)).toEqual({
      kind: 'denied',
      reason: 'the approval request expired',
      expired: true,
    });
    expect(assistantText(agent)).toBe('It expired.');
    expect(tools.executions.get('hasty_approval')).toBeUndefined();
  });
});
