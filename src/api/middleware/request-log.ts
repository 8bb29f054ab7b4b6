import type { Middleware } from 'koa';
import type { Logger } from '../../log.js';

export function requestLog(log: Logger): Middleware {
  return async function logRequest(ctx, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Number((performance.now() - started).toFixed(1)),
          userId: ctx.state.user?.id,
          threadId: ctx.state.threadId,
          completionId: ctx.state.completionId,
        },
        'request',
      );
    }
  };
}
