import type { Middleware } from 'koa';
import { AppError } from '../app-error.js';
import type { UsersRepo } from '../../db/users-repo.js';
import type { Logger } from '../../log.js';

/** Our keys are `lh_` + base64url. */
const API_KEY = /^lh_[A-Za-z0-9_-]+$/;

const KEY_REFUSALS = {
  unknown: ['unauthorized', 'invalid API key'],
  revoked: ['api_key_revoked', 'API key revoked'],
  expired: ['api_key_expired', 'API key expired'],
} as const;

/** Bearer API key → ctx.state.user; every route after this one acts as, and only sees, that user. */
export function authenticate(users: UsersRepo, options: { log?: Logger } = {}): Middleware {
  const { log } = options;

  async function byApiKey(key: string) {
    const check = await users.checkApiKey(key);
    if (check.status !== 'valid') {
      const [code, message] = KEY_REFUSALS[check.status];
      throw new AppError(401, code, message);
    }
    // Bookkeeping, not a condition of the request: not awaited, and a failure is logged, never unhandled.
    if (check.stale) {
      users
        .markApiKeyUsed(check.keyId)
        .catch((error: unknown) => log?.warn({ err: error, keyId: check.keyId }, 'last_used_at not recorded'));
    }
    return check.user;
  }

  return async function authenticateCaller(ctx, next) {
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!match) {
      throw new AppError(401, 'unauthorized', 'missing bearer credentials (Authorization: Bearer <API key>)');
    }
    const credential = match[1]!;
    if (!API_KEY.test(credential)) throw new AppError(401, 'unauthorized', 'credentials are not an API key (lh_…)');
    ctx.state.user = await byApiKey(credential);
    await next();
  };
}
