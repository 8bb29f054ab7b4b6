import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { serveMetrics } from '../../src/runtime/serve-metrics.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, userMessage } from '../support/chat-client.js';

const TOKEN = `metrics-${randomUUID()}`;

/** Every label value that `label` takes across the series of `metric` in a Prometheus text scrape. */
function labelValues(text: string, metric: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const line of text.split('\n')) {
    const series = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} \S+$/.exec(line);
    if (!series || series[1] !== metric) continue;
    for (const [, name, value] of series[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (name === label) values.add(value!);
    }
  }
  return values;
}

describe('metrics exposure', () => {
  let h: Harness;
  const scrape = (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${h.apiUrl}/metrics`, { headers });
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_METRICS_TOKEN: TOKEN });
  });
  afterAll(() => h?.close());

  it('keeps the model label to configured models: 50 made-up model names become "other"', async () => {
    const models = Array.from({ length: 50 }, (_, i) => `openai:made-up-${i}-${randomUUID().slice(0, 8)}`);
    for (let i = 0; i < models.length; i += 10) {
      await Promise.all(
        models.slice(i, i + 10).map(async (model) => {
          const response = await postChat(h, {
            id: `chat-${randomUUID()}`,
            trigger: 'submit-message',
            messages: [userMessage('hi')],
            model,
          });
          expect(response.status).toBe(200);
          await response.text();
        }),
      );
    }
    await (
      await postChat(h, { id: `chat-${randomUUID()}`, trigger: 'submit-message', messages: [userMessage('hi')] })
    ).text();

    const text = await (await scrape()).text();
    const labelled = labelValues(text, 'longhaul_tokens_total', 'model');
    expect([...labelled].sort()).toEqual(['openai:gpt-test', 'other']);
    for (const model of models) expect(text).not.toContain(model);
  });

  it('serves /metrics only with the configured bearer token', async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
    expect((await scrape({ authorization: TOKEN })).status).toBe(401);
    const allowed = await scrape();
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('# TYPE longhaul_tokens_total counter');
  });

  it("guards the worker's metrics port with the same token", async () => {
    const server = serveMetrics('127.0.0.1', 0, TOKEN);
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const allowed = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('# TYPE longhaul_tokens_total counter');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('metrics without a token', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_MODELS: 'openai:gpt-test,openai:gpt-allowed' });
  });
  afterAll(() => h?.close());

  it('stays open when LONGHAUL_METRICS_TOKEN is unset, and names allowlisted models', async () => {
    await (
      await postChat(h, {
        id: `chat-${randomUUID()}`,
        trigger: 'submit-message',
        messages: [userMessage('hi')],
        model: 'openai:gpt-allowed',
      })
    ).text();
    const response = await fetch(`${h.apiUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(labelValues(await response.text(), 'longhaul_tokens_total', 'model')).toContain('openai:gpt-allowed');
  });
});

describe('LONGHAUL_METRICS_TOKEN', () => {
  it('must be at least 16 characters, and a refused one is never echoed', () => {
    expect(() => parseConfig({ LONGHAUL_METRICS_TOKEN: 'short-secret' })).toThrow(
      /LONGHAUL_METRICS_TOKEN=\(hidden\): must be at least 16/,
    );
    expect(() => parseConfig({ LONGHAUL_METRICS_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
    expect(parseConfig({ LONGHAUL_METRICS_TOKEN: '' }).LONGHAUL_METRICS_TOKEN).toBeUndefined();
  });
});
