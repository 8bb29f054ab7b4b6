import type { Middleware } from 'koa';
import { AppError } from '../app-error.js';
import type { UsersRepo } from '../../db/users-repo.js';
import type { JwtVerifier } from '../../auth/jwt-verifier.js';
import { SigningKeysUnavailable, TokenRejected } from '../../auth/token-rejection.js';
import type { Logger } from '../../log.js';

/** Our keys are `lh_` + base64url (no dots); a JWT is three base64url segments (the last empty for `alg: none`). */
const API_KEY = /^lh_[A-Za-z0-9_-]+$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const KEY_REFUSALS = {
  unknown: ['unauthorized', 'invalid API key'],
  revoked: ['api_key_revoked', 'API key revoked'],
  expired: ['api_key_expired', 'API key expired'],
} as const;

/**
 * Bearer credential → ctx.state.user; every route after this one acts as, and only sees, that user. Servers send
 * an API key; browsers send a JWT their product's backend minted (when `tokens` is given: JWT auth configured).
 */
export function authenticate(users: UsersRepo, options: { tokens?: JwtVerifier; log?: Logger } = {}): Middleware {
  const { tokens, log } = options;

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

  async function byToken(token: string) {
    if (!tokens) throw new AppError(401, 'invalid_token', 'bearer tokens are not accepted here; use an API key');
    try {
      const { subject } = await tokens.verify(token);
      return await users.ensureSubjectUser(subject);
    } catch (error) {
      if (error instanceof TokenRejected) throw new AppError(401, error.code, error.message);
      if (error instanceof SigningKeysUnavailable) {
        log?.error({ err: error }, 'JWKS fetch failed');
        throw new AppError(503, 'auth_unavailable', 'token signing keys are unavailable; retry later', true);
      }
      throw error;
    }
  }

  return async function authenticateCaller(ctx, next) {
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!match) {
      throw new AppError(401, 'unauthorized', 'missing bearer credentials (Authorization: Bearer <API key or token>)');
    }
    const credential = match[1]!;
    if (API_KEY.test(credential)) ctx.state.user = await byApiKey(credential);
    else if (JWT.test(credential)) ctx.state.user = await byToken(credential);
    else throw new AppError(401, 'unauthorized', 'credentials are neither an API key (lh_…) nor a JWT');
    await next();
  };
}
