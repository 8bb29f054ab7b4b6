/**
 * A shop's extension of Longhaul, as a project writes it: imports only from `longhaul`, never from its src/.
 * Its own inline tool reads its own table, a durable tool refunds (asking a person above 100), an agent of its
 * own uses both, and an MCP server over stdio (a script next to this file) tracks parcels.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineAgent, defineConfig, defineTool } from 'longhaul';
import { ensureShopTables } from './shop-tables.js';

const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Looks an order up by its number (A-1001): status, total and tracking number.',
  mode: 'inline',
  input: z.object({ orderNumber: z.string().min(1) }),
  async execute({ orderNumber }, { pool }) {
    await ensureShopTables(pool);
    const { rows } = await pool.query<{ status: string; total: string; tracking_number: string | null }>(
      'SELECT status, total, tracking_number FROM example_shop_orders WHERE order_number = $1',
      [orderNumber],
    );
    const order = rows[0];
    // A thrown error is what the model reads: it can tell the customer the number is wrong.
    if (!order) throw new Error(`there is no order ${orderNumber}`);
    return { orderNumber, status: order.status, total: Number(order.total), trackingNumber: order.tracking_number };
  },
});

const refund = defineTool({
  name: 'refund',
  description: 'Refunds an amount on an order. A refund over 100 waits until a person approves it.',
  // Durable: the call survives worker restarts, and may wait days for the approval.
  mode: 'durable',
  input: z.object({ orderNumber: z.string().min(1), amount: z.number().positive().max(10_000) }),
  requiresApproval: ({ amount }) => amount > 100,
  async execute({ orderNumber, amount }, { pool, toolCallId }) {
    await ensureShopTables(pool);
    // The tool call id is the idempotency key: an attempt retried after a crash refunds once.
    await pool.query(
      `INSERT INTO example_shop_refunds (tool_call_id, order_number, amount) VALUES ($1, $2, $3)
       ON CONFLICT (tool_call_id) DO NOTHING`,
      [toolCallId, orderNumber, amount],
    );
    return { refunded: amount, orderNumber };
  },
});

const shopAssistant = defineAgent({
  name: 'shop-assistant',
  version: '1',
  description: 'Answers questions about orders and parcels, and refunds.',
  tools: ['lookup_order', 'refund', 'carrier__track_parcel'],
  systemPrompt: ({ user }) =>
    `You are the shop's assistant, talking to ${user.name}. Look orders up before you answer, track their ` +
    'parcels with the carrier, and refund only what the customer asks for.',
});

export default defineConfig({
  tools: [lookupOrder, refund],
  agents: [shopAssistant],
  mcpServers: [
    {
      name: 'carrier',
      // The Node running Longhaul runs the server too, with tsx so it can stay TypeScript.
      command: process.execPath,
      args: ['--import', 'tsx', fileURLToPath(new URL('./carrier-mcp-server.ts', import.meta.url))],
    },
  ],
});
