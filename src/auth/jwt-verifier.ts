/**
 * Verifies the JWT bearer tokens a product's own backend mints for its browser, with `jose`: HS256 with a shared
 * secret, RS256/ES256 with keys published at a JWKS URL. The token's `alg` picks the key source and each source is
 * verified with only its own algorithms, so an RSA public key can never serve as an HMAC secret (algorithm
 * confusion) and an unsigned `alg: none` token matches no source at all.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { TokenRejected, toTokenRejection } from './token-rejection.js';

export interface JwtSettings {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  clockToleranceSeconds: number;
  jwksCooldownSeconds: number;
}

export interface JwtVerifier {
  /** The token's subject; throws TokenRejected (401) or SigningKeysUnavailable (503). */
  verify(token: string): Promise<{ subject: string }>;
}

/** Users are looked up by subject: printable ASCII of bounded length (Auth0's `auth0|…`, UUIDs, e-mail addresses). */
const SUBJECT = /^[\x21-\x7e]{1,255}$/;
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

/** undefined when neither a secret nor a JWKS URL is configured: JWT auth is then off. */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier | undefined {
  const { secret, jwksUrl } = settings;
  if (secret === undefined && jwksUrl === undefined) return undefined;
  const hmacKey = secret === undefined ? undefined : new TextEncoder().encode(secret);
  // Cached; a token with a kid not in the cache refetches the set (at most once per cooldown): rotation works.
  const jwks =
    jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: settings.jwksCooldownSeconds * 1000 });
  const accepted = [...(hmacKey ? ['HS256'] : []), ...(jwks ? JWKS_ALGORITHMS : [])];
  const options: JWTVerifyOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: settings.clockToleranceSeconds,
    // A browser token without an expiry would be a password that cannot be changed.
    requiredClaims: ['sub', 'exp'],
  };

  async function verifySignedToken(token: string, alg: unknown) {
    if (alg === 'HS256' && hmacKey) return jwtVerify(token, hmacKey, { ...options, algorithms: ['HS256'] });
    if (typeof alg === 'string' && JWKS_ALGORITHMS.includes(alg) && jwks) {
      return jwtVerify(token, jwks, { ...options, algorithms: JWKS_ALGORITHMS });
    }
    throw new TokenRejected(
      'invalid_token',
      `token algorithm ${JSON.stringify(alg)} not accepted (accepted: ${accepted.join(', ')})`,
    );
  }

  return {
    async verify(token) {
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw new TokenRejected('invalid_token', 'malformed token');
      }
      const { payload } = await verifySignedToken(token, alg).catch((error: unknown) => {
        throw error instanceof errors.JOSEError || error instanceof TypeError ? toTokenRejection(error) : error;
      });
      const subject = payload.sub;
      if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
        throw new TokenRejected(
          'invalid_token',
          'token sub claim must be 1-255 printable ASCII characters without spaces',
        );
      }
      return { subject };
    },
  };
}
