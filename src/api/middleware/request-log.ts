import type { Middleware } from 'koa';
import type { Logger } from '../../log.js';

export function requestLog(log: Logger): Middleware {
  return async function logRequest(ctx, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = (performance.now() - started).toFixed(1);
      log.info(`${ctx.method} ${ctx.path} ${ctx.status} ${ms}ms${ctx.state.user ? ` user=${ctx.state.user.id}` : ''}`);
    }
  };
}
