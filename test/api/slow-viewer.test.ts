import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  /** Opens the completion's event stream on a raw socket that reads the first bytes, then nothing more. */
  function openStalledViewer(completionId: string): Promise<{ response: IncomingMessage; received: Buffer[] }> {
    return new Promise((resolve, reject) => {
      const url = new URL(`/v1/completions/${completionId}/events`, h.apiUrl);
      const req = request(url, { agent: false, headers: { authorization: `Bearer ${h.apiKey}`, 'last-event-id': '0' } });
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

    const stalled = await openStalledViewer(completionId);
    const normal = h.api(`/v1/completions/${completionId}/events`, { headers: { 'last-event-id': '0' } }).then((r) => r.text());

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
    const resumed = await h.api(`/v1/completions/${completionId}/events`, { headers: { 'last-event-id': String(lastId) } });
    const resumedFrames = parseFrames(await resumed.text());
    expect(resumedFrames.at(-1)?.data).toBe('[DONE]');

    const ids = [...stalledFrames, ...resumedFrames].flatMap((frame) => (frame.id === undefined ? [] : [frame.id]));
    expect(ids).toEqual(ids.map((_, index) => index + 1));
    expect(textOf(stalledFrames) + textOf(resumedFrames)).toBe(fullText);
  });
});
