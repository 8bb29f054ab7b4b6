import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startRedisServer } from '../support/redis-server.js';
import { startTemporalDevServer } from '../support/temporal-cli.js';
import { waitFor } from '../support/wait-for.js';
import { freePort } from '../support/free-port.js';

/** Servers of this file's own, restarted mid-stream without disturbing other test files. */
describe('a completion survives its servers restarting', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function waitCompleted(h: Harness, completionId: string) {
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status ===
        'completed',
      30_000,
      'completion completed',
    );
  }

  it('finishes when the Temporal dev server restarts (same database file) mid-completion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longhaul-temporal-'));
    let temporal = await startTemporalDevServer(join(dir, 'temporal.db'));
    cleanups.push(async () => {
      await temporal.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const h = await startHarness({ TEMPORAL_ADDRESS: temporal.address });
    cleanups.push(() => h.close());

    const words = Array.from({ length: 30 }, (_, i) => `t${i} `);
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 100 }, { kind: 'text', chunks: words });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const reading = response.text();
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [completionId])).rows[0]
          .first_token_at !== null,
    );
    await temporal.stop();
    temporal = await startTemporalDevServer(join(dir, 'temporal.db'), temporal.port);

    await waitCompleted(h, completionId);
    await reading;
    const { rows } = await h.pool.query(`SELECT parts FROM messages WHERE completion_id = $1`, [completionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].parts.find((p: { type: string }) => p.type === 'text').text).toBe(words.join(''));
  }, 90_000);

  it('finishes and persists when Redis restarts mid-stream; a later replay is rebuilt from Postgres', async () => {
    const port = await freePort();
    let redis = await startRedisServer(port);
    cleanups.push(() => redis.stop());
    const h = await startHarness({ REDIS_URL: redis.url });
    cleanups.push(() => h.close());

    const words = Array.from({ length: 30 }, (_, i) => `r${i} `);
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 60 }, { kind: 'text', chunks: words });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    void response.text().catch(() => {});
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [completionId])).rows[0]
          .first_token_at !== null,
    );
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    redis = await startRedisServer(port);

    await waitCompleted(h, completionId);
    const replay = await readValidatedChunks(await h.api(`/v1/completions/${completionId}/events`));
    expect(replay[0]?.type).toBe('start');
    expect(replay.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('')).toBe(words.join(''));
    expect(replay.at(-1)?.type).toBe('finish');
  }, 90_000);
});
