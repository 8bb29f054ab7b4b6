import type { Context } from 'koa';

/**
 * Names the thread (as its client names it) and completion a request touched: in response headers for clients, in
 * the request log line.
 */
export function tagRequest(ctx: Context, ids: { threadId: string; completionId: string }): void {
  ctx.state.threadId = ids.threadId;
  ctx.state.completionId = ids.completionId;
  ctx.set('x-longhaul-thread-id', ids.threadId);
  ctx.set('x-longhaul-completion-id', ids.completionId);
}
