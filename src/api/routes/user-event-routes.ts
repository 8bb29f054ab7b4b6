/**
 * GET /v1/events: the caller's live channel as SSE — thread status, approvals requested and decided, background
 * tool results — for sidebars, badges and inboxes. Live only: the durable record is in the REST resources.
 */
import { Router } from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { formatSseComment, formatSseData } from '../../stream/sse.js';
import { openSse } from '../sse-writer.js';

export function userEventRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/v1/events', async (ctx) => {
    const follower = await deps.hub.followUser(ctx.state.user.id);
    const sse = openSse(ctx);
    const keepAlive = setInterval(() => sse.write(formatSseComment('keep-alive')), deps.keepAliveMs);
    void sse.closed.then(() => follower.close());
    try {
      for await (const event of follower.events(0)) sse.write(formatSseData(event.json, event.seq));
    } finally {
      clearInterval(keepAlive);
      await follower.close();
      sse.end();
    }
  });
  return router;
}
