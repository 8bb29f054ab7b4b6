import type { Middleware } from 'koa';
import { AppError, badRequest } from '../app-error.js';
import { LimitExceeded } from '../limit-exceeded.js';
import { TurnRefused } from '../../completions/turn-policy.js';
import type { Logger } from '../../log.js';

/** Renders every failure as `{error: {code, message}}`; unexpected errors are logged and shown generically. */
export function errorHandler(log: Logger): Middleware {
  return async function handleErrors(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) {
        throw new AppError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (error) {
      const appError =
        error instanceof AppError
          ? error
          : error instanceof TurnRefused
            ? badRequest(error.message, error.code)
            : new AppError(500, 'internal_error', 'internal server error', false);
      if (!appError.expose) log.error(`${ctx.method} ${ctx.path} failed: ${(error as Error).stack ?? String(error)}`);
      if (ctx.headerSent || ctx.respond === false) return;
      ctx.status = appError.status;
      const message = appError.expose ? appError.message : 'internal server error';
      if (appError instanceof LimitExceeded) {
        ctx.set('Retry-After', String(appError.retryAfterSeconds));
        ctx.body = { error: { code: appError.code, message, limit: appError.limit } };
        return;
      }
      ctx.body = { error: { code: appError.code, message } };
    }
  };
}
