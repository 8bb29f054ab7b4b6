import cors from '@koa/cors';
import type { Middleware } from 'koa';

/** What a browser chat client reads from our responses (useChat's transport reads the stream marker; a 429 says when to retry). */
const EXPOSED = ['x-longhaul-thread-id', 'x-longhaul-completion-id', 'x-vercel-ai-ui-message-stream', 'retry-after'];
const ALLOWED_REQUEST_HEADERS = ['authorization', 'content-type', 'last-event-id', 'x-longhaul-ui-version'];

/**
 * CORS for the origins listed, compared exactly; any other origin gets no CORS header at all, so its browser
 * refuses to hand it our answers. No credentials mode: browsers authenticate with a bearer token, not cookies.
 */
export function corsAllowlist(origins: readonly string[]): Middleware {
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => (allowed.has(ctx.get('origin')) ? ctx.get('origin') : ''),
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: ALLOWED_REQUEST_HEADERS,
    exposeHeaders: EXPOSED,
    maxAge: 600,
  });
}
