import { describe, expect, it } from 'vitest';
import { formatSseComment, formatSseData, SSE_DONE, UI_STREAM_HEADERS } from '../../src/stream/sse.js';

describe('SSE framing', () => {
  it('frames a chunk with its seq as the event id', () => {
    expect(formatSseData('{"type":"start-step"}', 7)).toMatchInlineSnapshot(`
      "id: 7
      data: {"type":"start-step"}

      "
    `);
  });

  it('frames a chunk without an id when none is given', () => {
    expect(formatSseData('{"type":"finish"}')).toBe('data: {"type":"finish"}\n\n');
  });

  it('keeps a comment on one line so it cannot inject a field', () => {
    expect(formatSseComment('keep\ndata: x')).toBe(': keep data: x\n\n');
  });

  it('ends with the [DONE] sentinel and announces the v1 UI message stream', () => {
    expect(SSE_DONE).toBe('data: [DONE]\n\n');
    expect(UI_STREAM_HEADERS['x-vercel-ai-ui-message-stream']).toBe('v1');
    expect(UI_STREAM_HEADERS['content-type']).toBe('text/event-stream');
  });
});
