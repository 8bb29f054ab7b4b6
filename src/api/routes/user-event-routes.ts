/**
 * GET /v1/events: the caller's channel as SSE — thread status, approvals requested and decided, background tool
 * results — for sidebars, badges and inboxes. Each event carries `id: <per-user seq>`. Without Last-Event-ID it
 * is live only; with one (header, or `?lastEventId=` like the completion events route) it first replays the
 * user's capped, expiring Redis log after that seq, then goes on live, each event once and in order. Where the
 * log no longer reaches back that far, a `data-events_gap` chunk says so: the durable record is in the REST
 * resources (`/v1/approvals`, `/v1/completions`), which a client then refetches.
 */
import { Router } from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import { lastEventIdSchema } from '../schemas.js';
import { pipeUserFollowerToSse } from '../sse-writer.js';
import { holdStreamSlot } from '../middleware/stream-slot.js';

export function userEventRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/v1/events', holdStreamSlot(deps.limits.streams), async (ctx) => {
    // Validated before the stream opens, so a bad id is a JSON 400. Absent means live only: the schema's default
    // of 0 would replay the whole log (zod 4 applies it even through `.optional()`).
    const rawLastEventId = ctx.get('last-event-id') || ctx.query.lastEventId || undefined;
    const lastEventId =
      rawLastEventId === undefined ? undefined : parseInput(lastEventIdSchema, rawLastEventId, 'Last-Event-ID');
    const follower = await deps.hub.followUser(ctx.state.user.id, lastEventId);
    await pipeUserFollowerToSse(ctx, follower, {
      userId: ctx.state.user.id,
      keepAliveMs: deps.keepAliveMs,
      log: deps.log,
    });
  });
  return router;
}
