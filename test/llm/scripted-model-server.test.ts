/** The scripted model server as the SDKs and raw HTTP clients see it. */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../src/llm/openai-provider.js';
import { demoScript, lastUserText } from '../../src/llm/scripted/demo-script.js';
import { createScriptedModelServer, type ScriptedModelServer } from '../../src/llm/scripted/scripted-model-server.js';
import { splitUtf8 } from '../../src/llm/scripted/split-utf8.js';
import { collectEvents, textOf } from './collect-events.js';

let server: ScriptedModelServer;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  server = await createScriptedModelServer();
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.anthropicBaseURL, maxRetries: 0 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** POSTs JSON with node:http and returns every TCP read as it arrived. */
function postRaw(url: string, body: unknown): Promise<{ status: number; reads: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const reads: Buffer[] = [];
      res.on('data', (chunk: Buffer) => reads.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reads }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const isContinuationByte = (byte: number | undefined) => byte !== undefined && (byte & 0xc0) === 0x80;
const chatBody = { model: 'gpt-4.1-mini', stream: true, messages: [{ role: 'user', content: 'x' }] };

describe('splitUtf8', () => {
  it('splits right after the lead byte of the first multi-byte character', () => {
    const [head, tail] = splitUtf8(Buffer.from('ab😀c', 'utf8'));
    expect([...head]).toEqual([0x61, 0x62, 0xf0]);
    expect(Buffer.concat([head, tail]).toString('utf8')).toBe('ab😀c');
  });

  it('splits plain ASCII at its middle', () => {
    const [head, tail] = splitUtf8(Buffer.from('abcdef'));
    expect(Buffer.from(head).toString()).toBe('abc');
    expect(Buffer.from(tail).toString()).toBe('def');
  });
});

describe('scripted model server', () => {
  it('delivers splitUtf8 events with TCP reads that start inside a character', async () => {
    server.enqueue({ kind: 'text', chunks: ['日本', '🎉'], splitUtf8: true });
    const { status, reads } = await postRaw(`${server.openaiBaseURL}/chat/completions`, chatBody);
    expect(status).toBe(200);
    expect(reads.some((read) => isContinuationByte(read[0]))).toBe(true);
    const text = Buffer.concat(reads).toString('utf8');
    expect(text).toContain('"content":"日本"');
    expect(text).toContain('"content":"🎉"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('omits usage entirely when the client did not ask for it', async () => {
    server.enqueue({ kind: 'text', chunks: ['a', 'b'] });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => 'usage' in chunk)).toEqual([false, false, false, false]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers non-streaming OpenAI requests with a chat.completion', async () => {
    server.enqueue(
      { kind: 'text', chunks: ['Hello', ' there'], usage: { inputTokens: 3, outputTokens: 2 } },
      { kind: 'tool-calls', calls: [{ id: 'call_1', name: 'lookup', argsChunks: ['{"q":', '"x"}'] }] },
    );
    const text = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(text.object).toBe('chat.completion');
    expect(text.choices[0]?.message.content).toBe('Hello there');
    expect(text.choices[0]?.finish_reason).toBe('stop');
    expect(text.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });

    const tools = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(tools.choices[0]?.finish_reason).toBe('tool_calls');
    expect(tools.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
    ]);
  });

  it('answers non-streaming Anthropic requests with a message', async () => {
    server.enqueue({
      kind: 'tool-calls',
      text: ['Looking.'],
      calls: [{ id: 'toolu_1', name: 'lookup', argsChunks: ['{"q":', '"x"}'] }],
    });
    const message = await anthropic.messages.create({
      model: 'claude-test-model',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Looking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } },
    ]);
  });

  it('lists models in each vendor’s format', async () => {
    const openaiModels = [];
    for await (const model of openai.models.list()) openaiModels.push(model.id);
    const anthropicModels = [];
    for await (const model of anthropic.models.list()) anthropicModels.push(model.id);
    expect(openaiModels).toEqual(['longhaul-scripted']);
    expect(anthropicModels).toEqual(['longhaul-scripted']);
    expect(server.requests.map((r) => [r.vendor, r.method, r.path])).toEqual([
      ['openai', 'GET', '/v1/models'],
      ['anthropic', 'GET', '/v1/models'],
    ]);
  });

  it('rejects an Anthropic request without max_tokens as the API does, leaving the script queued', async () => {
    server.enqueue({ kind: 'text', chunks: ['unused'] });
    const response = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-test-model', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') },
    });
    expect(server.queuedScripts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('answers unknown paths with a vendor-shaped 404', async () => {
    const response = await fetch(`${server.openaiBaseURL}/embeddings`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: 'Unknown request URL: POST /v1/embeddings' },
    });
  });

  it('plays queued scripts in order, then falls back to a default text', async () => {
    const provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL: server.openaiBaseURL });
    const request = { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: 'x' }] };
    server.enqueue({ kind: 'text', chunks: ['first'] }, { kind: 'text', chunks: ['second'] });
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(textOf((await collectEvents(provider.stream(request, new AbortController().signal))).events));
    expect(answers).toEqual(['first', 'second', 'Hello from the scripted model.']);
    expect(server.disconnects).toEqual([]);
  });

  it('explains a wait that times out', async () => {
    await expect(server.waitForRequests(1, 50)).rejects.toThrow('timed out after 50 ms waiting for 1 requests; got 0');
  });
});

describe('demo script', () => {
  it('streams a labelled demo answer that quotes the user, word by word', async () => {
    const demo = await createScriptedModelServer({ defaultScript: demoScript });
    try {
      const provider = createOpenAIProvider({ apiKey: 'scripted-demo', baseURL: demo.openaiBaseURL });
      const request = { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: 'What is   Temporal?' }] };
      const { events } = await collectEvents(provider.stream(request, new AbortController().signal));
      const text = textOf(events);
      expect(text).toContain("Longhaul's scripted demo model");
      expect(text).toContain('You said: "What is Temporal?"');
      expect(events.filter((event) => event.type === 'text-delta').length).toBeGreaterThanOrEqual(35);
    } finally {
      await demo.close();
    }
  });

  it('finds the last user text in Anthropic block format, skipping tool results', () => {
    const body = {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Book it' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'book', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] },
      ],
    };
    expect(
      lastUserText({
        index: 0,
        vendor: 'anthropic',
        method: 'POST',
        path: '/v1/messages',
        headers: {},
        body,
        receivedAt: 0,
      }),
    ).toBe('Book it');
  });
});

describe('closing', () => {
  it('destroys hanging streams on close without recording them as client disconnects', async () => {
    const own = await createScriptedModelServer();
    own.enqueue({ kind: 'hang', chunks: ['waiting'] });
    const response = await fetch(`${own.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chatBody),
    });
    const reader = response.body!.getReader();
    await reader.read();
    await own.close();
    await expect(drain(reader)).rejects.toThrow();
    expect(own.disconnects).toEqual([]);
  });

  it('runs as a CLI that prints its URLs and exits cleanly on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../../src/llm/scripted/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, SCRIPTED_MODEL_PORT: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await expect.poll(() => output, { timeout: 15_000 }).toContain('ANTHROPIC_BASE_URL=');
    const base = /OPENAI_BASE_URL=(\S+)/.exec(output)?.[1];
    const models = await fetch(`${base}/models`);
    expect(models.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  for (;;) {
    const { done } = await reader.read();
    if (done) return;
  }
}
