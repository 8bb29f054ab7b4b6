import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import type { Script } from '../../src/llm/scripted/script.js';

/**
 * The model's context is built from the typed results stored with each tool call, never parsed back out of the
 * text the browser shows ("kind: message"), so what the model reads is exactly what was stored.
 */
describe('the model reads the stored typed result of each tool call', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools({ shortExpiryMs: 800 }).definitions });
  });
  afterAll(() => h?.close());

  /** Runs a turn whose first step makes `calls` and second answers; returns what the second request carried. */
  async function nextRequestAfter(calls: Script & { kind: 'tool-calls' }, tools: string[]) {
    h.model.enqueue(calls, { kind: 'text', chunks: ['Noted.'] });
    const before = h.model.requests.length;
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')], tools });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await readValidatedChunks(response);
    await h.temporal.workflow.getHandle(`completion-${completionId}`).result();
    const requests = h.model.requests.slice(before);
    expect(requests).toHaveLength(2);
    const body = requests[1]!.body as { messages: { role: string; tool_call_id?: string; content: string }[] };
    const read = body.messages
      .filter((m) => m.role === 'tool')
      .map((m) => ({ id: m.tool_call_id, result: JSON.parse(m.content) as unknown }));
    const { rows } = await h.pool.query<{ id: string; result: unknown }>(
      `SELECT id, result FROM tool_executions WHERE completion_id = $1 ORDER BY step, id`,
      [completionId],
    );
    return { read, stored: rows };
  }

  it('an approval that expired reads as expired', async () => {
    const { read, stored } = await nextRequestAfter(
      { kind: 'tool-calls', calls: [{ name: 'hasty_approval', argsChunks: ['{}'] }] },
      ['hasty_approval'],
    );
    expect(stored.map((row) => row.result)).toEqual([
      { kind: 'denied', reason: 'the approval request expired', expired: true },
    ]);
    expect(read.map((r) => r.result)).toEqual([
      { kind: 'denied', reason: 'the approval request expired', expired: true },
    ]);
  }, 30_000);

  it("a failure whose message holds ': ' reads with its kind and message as stored", async () => {
    const { read, stored } = await nextRequestAfter(
      {
        kind: 'tool-calls',
        calls: [
          { name: 'explode', argsChunks: ['{}'] },
          { name: 'echo', argsChunks: ['{"text": 42}'] },
        ],
      },
      ['explode', 'echo'],
    );
    expect(read[0]!.result).toEqual({ kind: 'failed', message: 'explode failed: the detonator is wet' });
    expect(read[1]!.result).toMatchObject({ kind: 'validation_error' });
    // Every call: the model's reading is the stored record (the completed kind leaves out its UI parts only).
    expect(read.map((r) => r.result)).toEqual(stored.map((row) => row.result));
  }, 30_000);
});
