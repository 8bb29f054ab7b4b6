import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

describe('audit: what the agent did, on whose approval, at what cost', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  it('records an approval flow in order, exports it as JSON and NDJSON, and Temporal finds it by user and status', async () => {
    const { chatId, completionId, approval } = await startPendingTransfer(h, {
      amount: 12,
      usage: { inputTokens: 30, outputTokens: 8 },
      then: [{ kind: 'text', chunks: ['Paid.'], usage: { inputTokens: 50, outputTokens: 2 } }],
      text: 'pay bob',
    });

    const query = `LonghaulStatus = "awaiting_approval" AND LonghaulUserId = "${h.userId}"`;
    await waitFor(
      async () => {
        for await (const execution of h.temporal.workflow.list({ query })) {
          if (execution.workflowId === `completion-${completionId}`) return true;
        }
        return false;
      },
      10_000,
      'visibility query finds the waiting completion',
    );

    const decided = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', reason: 'invoice 42', argsDigest: approval.argsDigest }),
    });
    expect(decided.status).toBe(200);
    await waitFor(async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed');

    const exported = await readJson(await h.api(`/v1/threads/${chatId}/audit`));
    const events = exported.events as {
      type: string;
      actor: string;
      data: any;
      workflowId: string;
      runId: string;
      temporalUiUrl: string;
    }[];
    expect(events.map((e) => e.type)).toEqual([
      'message_received',
      'model_call',
      'tool_call_requested',
      'approval_requested',
      'approval_decided',
      'tool_executed',
      'model_call',
      'completion_finished',
    ]);
    const byType = (type: string) => events.filter((e) => e.type === type);
    expect(byType('message_received')[0]!.actor).toBe(h.userId);
    expect(byType('model_call')[0]!.data).toMatchObject({
      model: 'openai:gpt-test',
      attempt: 1,
      inputTokens: 30,
      outputTokens: 8,
      finishReason: 'tool-calls',
    });
    expect(byType('model_call')[0]!.data.latencyMs).toBeGreaterThanOrEqual(0);
    expect(byType('tool_call_requested')[0]!.data).toMatchObject({
      toolName: 'transfer',
      argsDigest: approval.argsDigest,
    });
    expect(byType('approval_decided')[0]).toMatchObject({
      actor: h.userId,
      data: { decision: 'approved', reason: 'invoice 42', argsDigest: approval.argsDigest },
    });
    expect(byType('approval_decided')[0]!.data.decidedAt).toBeTruthy();
    expect(byType('tool_executed')[0]!.data).toMatchObject({ toolName: 'transfer', outcome: 'completed' });
    expect(byType('completion_finished')[0]!.data).toMatchObject({
      status: 'completed',
      inputTokens: 80,
      outputTokens: 10,
    });
    expect(byType('approval_decided')[0]!.workflowId).toBe(`tool-${approval.toolCallId}`);
    for (const event of events) {
      expect(event.temporalUiUrl).toBe(
        `http://127.0.0.1:8233/namespaces/default/workflows/${event.workflowId}/${event.runId}/history`,
      );
    }

    const ndjson = await h.api(`/v1/threads/${chatId}/audit`, { headers: { accept: 'application/x-ndjson' } });
    expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await ndjson.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.type)).toEqual(events.map((e) => e.type));

    const stranger = await h.createUser();
    expect((await h.api(`/v1/threads/${chatId}/audit`, { key: stranger.apiKey })).status).toBe(404);
    await expect(
      h.pool.query(
        `UPDATE audit_events SET actor = 'someone else' WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1)`,
        [chatId],
      ),
    ).rejects.toThrow(/append-only/);
  });

  it('records who cancelled and a failure with its class', async () => {
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 30 }, () => 'x '), delayMs: 100 });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('text-delta')) seen += new TextDecoder().decode((await reader.read()).value);
    await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' });
    while (!(await reader.read()).done);
    await waitFor(async () =>
      (await readJson(await h.api(`/v1/threads/${chatId}/audit`))).events.some(
        (e: { type: string }) => e.type === 'completion_finished',
      ),
    );
    const { events } = await readJson(await h.api(`/v1/threads/${chatId}/audit`));
    expect(events.find((e: { type: string }) => e.type === 'cancel_requested').actor).toBe(h.userId);
    expect(events.find((e: { type: string }) => e.type === 'model_call').data.outcome).toBe('cancelled');
    expect(events.at(-1)).toMatchObject({ type: 'completion_finished', data: { status: 'cancelled' } });

    h.model.enqueue({ kind: 'http-error', status: 403, message: 'forbidden model' });
    const failingChat = `chat-${randomUUID()}`;
    await (await postChat(h, { id: failingChat, trigger: 'submit-message', messages: [userMessage('go')] })).text();
    const failed = await readJson(await h.api(`/v1/threads/${failingChat}/audit`));
    expect(failed.events.find((e: { type: string }) => e.type === 'failure').data).toMatchObject({
      code: 'provider_rejected',
    });
  });
});
