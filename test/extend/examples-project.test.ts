/**
 * examples/ as a user would run it: Longhaul with LONGHAUL_CONFIG naming examples/longhaul.config.ts, a turn
 * through each thing it adds (its inline tool on its own table, its refund under and over the approval
 * threshold, its agent, its MCP server over stdio).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { findPendingApproval } from '../support/pending-approval.js';
import { waitFor } from '../support/wait-for.js';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../examples/longhaul.config.ts', import.meta.url));

describe('the examples/ project', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { projectConfig: EXAMPLE_CONFIG });
  });
  afterAll(() => h?.close());

  async function turn(call: { name: string; args: unknown }, text = 'Done.') {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: call.name, argsChunks: [JSON.stringify(call.args)] }] },
      { kind: 'text', chunks: [text] },
    );
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      agent: 'shop-assistant',
      trigger: 'submit-message',
      messages: [userMessage('help me with my order')],
    });
    expect(response.status).toBe(200);
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response);
    const [asked, answered] = h.model.requests.slice(-2).map((r) => r.body as Record<string, unknown>);
    return { chatId, completionId, chunks, asked: asked!, answered: answered! };
  }

  const refundsOf = async (orderNumber: string) =>
    (
      await h.pool.query<{ amount: string }>(
        `SELECT amount FROM example_shop_refunds WHERE order_number = $1 ORDER BY refunded_at`,
        [orderNumber],
      )
    ).rows.map((row) => Number(row.amount));

  it("runs the example's agent with only its tools, whose inline tool reads the shop's own table", async () => {
    const { chunks, asked, answered } = await turn({ name: 'lookup_order', args: { orderNumber: 'A-1001' } });
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({
      output: { orderNumber: 'A-1001', status: 'shipped', total: 42.5, trackingNumber: 'PX-7732' },
    });
    expect(chunks.at(-1)?.type).toBe('finish');

    const messages = asked.messages as { role: string; content: string }[];
    expect(messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining("You are the shop's assistant"),
    });
    const offered = (asked.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    expect(offered.sort()).toEqual(['carrier__track_parcel', 'lookup_order', 'refund']);
    const read = (answered.messages as { role: string; content: string }[]).filter((m) => m.role === 'tool');
    expect(read.map((m) => JSON.parse(m.content) as unknown)).toEqual([
      {
        kind: 'completed',
        output: { orderNumber: 'A-1001', status: 'shipped', total: 42.5, trackingNumber: 'PX-7732' },
      },
    ]);
  });

  it('refunds 100 or less at once', async () => {
    const { chunks } = await turn({ name: 'refund', args: { orderNumber: 'A-1002', amount: 40 } });
    expect(chunks.map((c) => c.type)).not.toContain('tool-approval-request');
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({
      output: { refunded: 40, orderNumber: 'A-1002' },
    });
    expect(await refundsOf('A-1002')).toEqual([40]);
  });

  it('holds a refund over 100 until a person approves it, then refunds once', async () => {
    const { chatId, completionId, chunks } = await turn({
      name: 'refund',
      args: { orderNumber: 'A-1001', amount: 250 },
    });
    expect(chunks.map((c) => c.type)).toContain('tool-approval-request');
    expect(await refundsOf('A-1001')).toEqual([]);

    const approval = await findPendingApproval(h, chatId);
    expect(approval).toMatchObject({ toolName: 'refund', args: { orderNumber: 'A-1001', amount: 250 } });
    const decided = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: approval.argsDigest }),
    });
    expect(await readJson(decided)).toMatchObject({ decision: 'approved' });
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status ===
        'completed',
      30_000,
      'the approved turn',
    );
    expect(await refundsOf('A-1001')).toEqual([250]);
  });

  it("calls the example's MCP server, which Longhaul started over stdio", async () => {
    expect(h.mcp.status()).toMatchObject({ carrier: { state: 'up', tools: 1 } });
    const { chunks, answered } = await turn({ name: 'carrier__track_parcel', args: { trackingNumber: 'PX-7732' } });
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({
      output: { text: 'Parcel PX-7732: in transit.' },
    });
    expect(chunks.filter((c) => c.type === 'source-url')).toMatchObject([
      { url: 'https://carrier.example.com/track/PX-7732', title: 'Tracking PX-7732' },
    ]);
    expect(JSON.stringify(answered.messages)).toContain('Parcel PX-7732: in transit.');
  });
});
