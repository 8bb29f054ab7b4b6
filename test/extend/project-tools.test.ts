import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { findPendingApproval } from '../support/pending-approval.js';
import { waitFor } from '../support/wait-for.js';

const SHOP_CONFIG = fileURLToPath(new URL('./fixtures/shop/longhaul.config.ts', import.meta.url));

describe('a project configuration adds its own tools and agent', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { projectConfig: SHOP_CONFIG });
    // The project's own tables: Longhaul's migrations know nothing of them.
    await h.pool.query(
      `CREATE TABLE IF NOT EXISTS shop_orders (order_number text PRIMARY KEY, status text, total numeric)`,
    );
    await h.pool.query(
      `CREATE TABLE IF NOT EXISTS shop_refunds (tool_call_id text PRIMARY KEY, order_number text, amount numeric)`,
    );
  });
  afterAll(() => h?.close());

  const refundsOf = async (orderNumber: string) =>
    (
      await h.pool.query<{ amount: string }>(`SELECT amount FROM shop_refunds WHERE order_number = $1`, [orderNumber])
    ).rows.map((row) => Number(row.amount));

  async function turn(orderNumber: string, calls: { name: string; args: unknown }[], text = 'Done.') {
    h.model.enqueue(
      { kind: 'tool-calls', calls: calls.map((c) => ({ name: c.name, argsChunks: [JSON.stringify(c.args)] })) },
      { kind: 'text', chunks: [text] },
    );
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      agent: 'shop-support',
      trigger: 'submit-message',
      messages: [userMessage(`help with order ${orderNumber}`)],
    });
    expect(response.status).toBe(200);
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    return { chatId, completionId, chunks: await readValidatedChunks(response) };
  }

  it("runs the project's agent, whose inline tool reads the project's own table", async () => {
    const orderNumber = `A-${randomUUID()}`;
    await h.pool.query(`INSERT INTO shop_orders VALUES ($1, 'shipped', 42.5)`, [orderNumber]);
    const { chunks } = await turn(orderNumber, [{ name: 'lookup_order', args: { orderNumber } }], 'It shipped.');

    const output = chunks.find((c) => c.type === 'tool-output-available');
    expect(output).toMatchObject({ output: { orderNumber, status: 'shipped', total: 42.5 } });
    expect(chunks.at(-1)?.type).toBe('finish');
    const [first, second] = h.model.requests.slice(-2).map((r) => JSON.stringify(r.body));
    expect(first).toContain('with their orders. Refund only what they ask for.');
    expect(second).toContain('"status\\":\\"shipped\\"');
  });

  it('refunds 100 or less at once, without asking anyone', async () => {
    const orderNumber = `B-${randomUUID()}`;
    const { chunks } = await turn(orderNumber, [{ name: 'refund', args: { orderNumber, amount: 40 } }]);
    expect(chunks.map((c) => c.type)).not.toContain('tool-approval-request');
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({
      output: { refunded: 40, orderNumber },
    });
    expect(await refundsOf(orderNumber)).toEqual([40]);
  });

  it('holds a refund over 100 for approval and runs it once approved', async () => {
    const orderNumber = `C-${randomUUID()}`;
    const { chatId, completionId, chunks } = await turn(orderNumber, [
      { name: 'refund', args: { orderNumber, amount: 250 } },
    ]);
    expect(chunks.map((c) => c.type)).toContain('tool-approval-request');
    expect(await refundsOf(orderNumber)).toEqual([]);

    const approval = await findPendingApproval(h, chatId);
    expect(approval).toMatchObject({ toolName: 'refund', args: { orderNumber, amount: 250 } });
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
    );
    expect(await refundsOf(orderNumber)).toEqual([250]);
  });

  it("refuses a tool the project's agent was not given", async () => {
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      agent: 'shop-support',
      trigger: 'submit-message',
      messages: [userMessage('fetch a page')],
      tools: ['fetch_url'],
    });
    expect(response.status).toBe(400);
    expect((await readJson(response)).error.message).toContain('fetch_url');
  });
});
