import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { startHarness, type Harness } from '../support/harness.js';

const LIMIT = 64 * 1024;
/** Room above the queue bound: each open response's own buffer (the socket's 16 KiB mark) plus one frame. */
const SLACK = 128 * 1024;

interface Frame {
  id: number | undefined;
  data: string;
}

/** Splits raw SSE text into its data frames; comments (keep-alives) are dropped. */
function parseFrames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      return { id: id === undefined ? undefined : Number(id), data: /^data: (.*)$/m.exec(block)![1]! };
    });
}

function textOf(frames: Frame[]): string {
  return frames
    .filter((frame) => frame.data !== '[DONE]')
    .map((frame) => JSON.parse(frame.data) as { type: string; delta?: string })
    .map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : ''))
    .join('');
}

describe('a viewer that stops reading', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_SSE_MAX_BUFFERED_BYTES: String(LIMIT) });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** What the API holds for its SSE viewers, from its own gauge (NaN when it has none). */
  async function bufferedBytes(): Promise<number> {
    const text = await (await h.api('/metrics')).text();
    return Number(/^longhaul_sse_buffered_bytes (\d+)$/m.exec(text)?.[1] ?? NaN);
  }

  /** Opens an event stream from its start on a raw socket that reads the first bytes, then nothing more. */
  function openStalledViewer(path: string, key = h.apiKey): Promise<{ response: IncomingMessage; received: Buffer[] }> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, h.apiUrl);
      const req = request(url, { agent: false, headers: { authorization: `Bearer ${key}`, 'last-event-id': '0' } });
      req.on('error', reject);
      req.on('response', (response) => {
        const received: Buffer[] = [];
        response.on('data', (data: Buffer) => {
          received.push(data);
          // Once it has seen a frame, it stops reading: the socket's receive buffer fills and the server must wait.
          if (received.length === 1) {
            response.pause();
            resolve({ response, received });
          }
        });
      });
      req.end();
    });
  }

  /** Reads `GET /v1/events` after `lastEventId` until `count` data frames have come, then leaves. */
  async function readUserEvents(key: string, lastEventId: number, count: number): Promise<Frame[]> {
    const response = await h.api('/v1/events', { key, headers: { 'last-event-id': String(lastEventId) } });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (parseFrames(text.slice(0, text.lastIndexOf('\n\n') + 2)).length < count) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the user channel ended');
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return parseFrames(text.slice(0, text.lastIndexOf('\n\n') + 2)).slice(0, count);
  }

  it('closes a stalled GET /v1/events viewer the same way, and its Last-Event-ID resume loses nothing', async () => {
    const user = await h.createUser();
    const publisher = createChunkPublisher(h.redis, { maxLen: 20_000, ttlSeconds: 600, replayWindowSeconds: 600 });
    const stalled = await openStalledViewer('/v1/events', user.apiKey);
    const total = 2_000;
    for (let n = 0; n < total; n++) {
      await publisher.publishToUser(user.userId, { type: 'data-tool_result', data: { n, pad: 'y'.repeat(4_000) } });
    }
    const all = await readUserEvents(user.apiKey, 0, total);
    expect(all.map((frame) => frame.id)).toEqual(all.map((_, index) => index + 1));

    // The user channel never ends by itself: the stalled viewer's end is the server letting it go.
    const ended = new Promise<string>((resolve) => stalled.response.on('end', () => resolve('closed by the server')));
    stalled.response.resume();
    const kept = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 10_000));
    expect(await Promise.race([ended, kept])).toBe('closed by the server');
    const seen = parseFrames(Buffer.concat(stalled.received).toString('utf8'));
    expect(seen.length).toBeLessThan(total);

    const rest = await readUserEvents(user.apiKey, seen.at(-1)!.id!, total - seen.length);
    expect([...seen, ...rest]).toEqual(all);
  });

  it('keeps what it buffers bounded, closes it without [DONE], and a Last-Event-ID resume loses nothing', async () => {
    // About 8 MB of answer: far beyond what the kernel's socket buffers can hide.
    const chunks = Array.from({ length: 2_000 }, (_, i) => `${String(i).padStart(5, '0')} ${'x'.repeat(4_000)}\n`);
    h.model.enqueue({ kind: 'text', chunks });
    const started = await h.api('/v1/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'write a long answer' }),
    });
    expect(started.status).toBe(202);
    const { completionId } = (await started.json()) as { completionId: string };

    const stalled = await openStalledViewer(`/v1/completions/${completionId}/events`);
    const normal = h
      .api(`/v1/completions/${completionId}/events`, { headers: { 'last-event-id': '0' } })
      .then((r) => r.text());

    let maxBuffered = 0;
    let finished = false;
    const sampling = (async () => {
      while (!finished) {
        maxBuffered = Math.max(maxBuffered, await bufferedBytes());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const fullText = textOf(parseFrames(await normal));
    finished = true;
    await sampling;
    expect(fullText).toBe(chunks.join(''));

    // The stalled viewer reads again: it gets what had been sent before it was let go, then the end, no [DONE].
    const ended = new Promise<void>((resolve) => stalled.response.on('end', resolve));
    stalled.response.resume();
    await ended;
    const stalledFrames = parseFrames(Buffer.concat(stalled.received).toString('utf8'));
    expect.soft(stalledFrames.some((frame) => frame.data === '[DONE]')).toBe(false);
    expect.soft(textOf(stalledFrames).length).toBeLessThan(fullText.length);
    expect.soft(maxBuffered).toBeGreaterThan(0);
    expect.soft(maxBuffered).toBeLessThanOrEqual(LIMIT + SLACK);

    const lastId = stalledFrames.findLast((frame) => frame.id !== undefined)!.id!;
    const resumed = await h.api(`/v1/completions/${completionId}/events`, {
      headers: { 'last-event-id': String(lastId) },
    });
    const resumedFrames = parseFrames(await resumed.text());
    expect(resumedFrames.at(-1)?.data).toBe('[DONE]');

    const ids = [...stalledFrames, ...resumedFrames].flatMap((frame) => (frame.id === undefined ? [] : [frame.id]));
    expect(ids).toEqual(ids.map((_, index) => index + 1));
    expect(textOf(stalledFrames) + textOf(resumedFrames)).toBe(fullText);
  });
});
