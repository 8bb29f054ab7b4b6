import type { Middleware } from 'koa';
import { AppError } from '../app-error.js';
import type { UsersRepo } from '../../db/users-repo.js';

/** Bearer API key → ctx.state.user. Every route after this one acts as, and only sees, that user. */
export function authenticate(users: UsersRepo): Middleware {
  return async function requireApiKey(ctx, next) {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError(401, 'unauthorized', 'missing bearer API key (Authorization: Bearer <key>)');
    const user = await users.findUserByApiKey(match[1]!);
    if (!user) throw new AppError(401, 'unauthorized', 'invalid or revoked API key');
    ctx.state.user = user;
    await next();
  };
}
