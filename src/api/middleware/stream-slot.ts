import type { Middleware } from 'koa';
import type { StreamSlots } from '../stream-slots.js';

/**
 * On an SSE route, before the handler writes or starts anything: holds one of the caller's stream slots for as
 * long as the response lasts (the handler resolves once its stream has closed, however it closed).
 */
export function holdStreamSlot(slots: StreamSlots | undefined): Middleware {
  return async function holdStreamSlot(ctx, next) {
    if (!slots) return next();
    const lease = await slots.acquire(ctx.state.user.id);
    try {
      await next();
    } finally {
      await lease.release();
    }
  };
}
