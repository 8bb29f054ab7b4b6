import type { Middleware } from 'koa';
import { AppError, badRequest } from '../app-error.js';

const invalidPath = (message: string) => new AppError(400, 'invalid_path', message);

/**
 * Refuses URLs that readers would understand differently, before any route sees them. A `.`/`..` segment (raw or
 * percent-encoded) or an encoded `/` or `\` means a parent path to a proxy or a browser, but the router takes it
 * as an id (`/v1/threads/%2e%2e` looked up thread `..`). A repeated query parameter is read as its first, last or
 * every value depending on who reads it.
 */
export function plainUrl(): Middleware {
  return async function refuseAmbiguousUrl(ctx, next) {
    for (const raw of ctx.path.split('/')) {
      let segment: string;
      try {
        segment = decodeURIComponent(raw);
      } catch {
        throw invalidPath('the path is not valid percent-encoded UTF-8');
      }
      if (segment === '.' || segment === '..') throw invalidPath('the path must not contain . or .. segments');
      if (/[/\\]/.test(segment)) throw invalidPath('a path segment must not contain / or \\');
    }
    for (const [name, value] of Object.entries(ctx.query)) {
      if (Array.isArray(value)) throw badRequest(`query.${name}: given more than once`);
    }
    await next();
  };
}
