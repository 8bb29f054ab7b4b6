import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, userMessage } from '../support/chat-client.js';

/** The value of one series in Prometheus text format (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('GET /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('exposes the named series, and they move when a completion runs', async () => {
    const scrape = async () => (await fetch(`${h.apiUrl}/metrics`)).text();
    const before = await scrape();
    for (const name of [
      'longhaul_completions_finished_total',
      'longhaul_time_to_first_token_seconds',
      'longhaul_tokens_total',
      'longhaul_active_streams',
      'longhaul_pending_approvals',
      'longhaul_provider_errors_total',
    ]) {
      expect(before).toContain(`# TYPE ${name} `);
    }

    h.model.enqueue({ kind: 'text', chunks: ['a ', 'b'], delayMs: 200, usage: { inputTokens: 7, outputTokens: 2 } });
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('hi')],
    });
    const during = await scrape();
    expect(sample(during, 'longhaul_active_streams')).toBeGreaterThanOrEqual(1);
    await response.text();
    h.model.enqueue({ kind: 'http-error', status: 400, message: 'bad request' });
    await (
      await postChat(h, { id: `chat-${randomUUID()}`, trigger: 'submit-message', messages: [userMessage('x')] })
    ).text();

    const after = await scrape();
    expect(sample(after, 'longhaul_completions_finished_total{status="completed"}')).toBe(
      sample(before, 'longhaul_completions_finished_total{status="completed"}') + 1,
    );
    expect(sample(after, 'longhaul_completions_finished_total{status="failed"}')).toBe(
      sample(before, 'longhaul_completions_finished_total{status="failed"}') + 1,
    );
    expect(sample(after, 'longhaul_tokens_total{direction="output",model="openai:gpt-test"}')).toBeGreaterThanOrEqual(
      2,
    );
    expect(sample(after, 'longhaul_time_to_first_token_seconds_count')).toBe(
      sample(before, 'longhaul_time_to_first_token_seconds_count') + 1,
    );
    expect(after).toMatch(/longhaul_provider_errors_total\{provider="openai",class="[^"]+"\} 1/);
    expect(sample(after, 'longhaul_active_streams')).toBe(0);
  });
});
