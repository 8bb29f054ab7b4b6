/**
 * Server-sent-events framing for the UI message stream. Pure functions, so the exact bytes are unit-tested.
 * `id:` lines and `:` comments are ignored by the ai client's parser, which makes both safe to add.
 */

export const UI_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
};

/** One event; `json` must already be compact JSON on one line. */
export function formatSseData(json: string, id?: number): string {
  return id === undefined ? `data: ${json}\n\n` : `id: ${id}\ndata: ${json}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

export function formatSseComment(text: string): string {
  return `: ${text.replace(/\n/g, ' ')}\n\n`;
}
