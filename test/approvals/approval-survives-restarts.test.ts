import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { readJson } from '../support/chat-client.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { startTemporalDevServer } from '../support/temporal-cli.js';
import { createTestTools, type TestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A Temporal server of this file's own, so it can be restarted (same database file) without disturbing the
 * other test files, which share the provisioned one.
 */
describe('an approval outlives the worker and the Temporal server', () => {
  let dir: string;
  let temporal: Awaited<ReturnType<typeof startTemporalDevServer>>;
  let h: Harness;
  let tools: TestTools;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'longhaul-restart-'));
    temporal = await startTemporalDevServer(join(dir, 'temporal.db'));
    tools = createTestTools();
    h = await startHarness({ TEMPORAL_ADDRESS: temporal.address }, { tools: tools.definitions });
  });
  afterAll(async () => {
    await h?.close();
    await temporal?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the approved tool once after worker and server restarts, and the completion finishes', async () => {
    const { chatId, completionId, approval } = await startPendingTransfer(h, {
      amount: 100,
      then: [{ kind: 'text', chunks: ['Transferred after all.'] }],
    });

    await h.stopWorker();
    await temporal.stop();
    temporal = await startTemporalDevServer(join(dir, 'temporal.db'), temporal.port);
    await h.startWorker();

    const decided = await waitForDecision(approval.toolCallId, approval.argsDigest);
    expect(decided.status).toBe(200);
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status ===
        'completed',
      20_000,
      'completion finished',
    );
    expect(tools.executions.get('transfer')).toBe(1);
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(messages).toHaveLength(2);
    const part = messages[1].parts.find((p: { type: string }) => p.type === 'tool-transfer');
    expect(part).toMatchObject({ state: 'output-available', output: { transferred: 100 } });
    expect(messages[1].parts.at(-1)).toMatchObject({ type: 'text', text: 'Transferred after all.' });
  });

  /** The API's Temporal client reconnects on its own; until it has, a decision may fail with a 5xx. */
  async function waitForDecision(toolCallId: string, argsDigest: string): Promise<Response> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await h.api(`/v1/approvals/${toolCallId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve', argsDigest }),
      });
      if (response.status < 500 || Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
});
