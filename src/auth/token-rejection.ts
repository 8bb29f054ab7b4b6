/**
 * Why a token was refused, in words a client developer can act on. `token_expired` has a code of its own: it is
 * the one failure a browser fixes by itself, by asking its backend for a fresh token.
 */
import { errors } from 'jose';

export class TokenRejected extends Error {
  override name = 'TokenRejected';
  constructor(
    readonly code: 'token_expired' | 'invalid_token',
    message: string,
  ) {
    super(message);
  }
}

/** The JWKS could not be fetched: not the caller's fault, so not a 401. */
export class SigningKeysUnavailable extends Error {
  override name = 'SigningKeysUnavailable';
}

const CLAIM_WORDS: Record<string, string> = {
  iss: 'token issuer not accepted',
  aud: 'token audience not accepted',
  nbf: 'token not yet valid (nbf)',
};

export function toTokenRejection(error: errors.JOSEError | TypeError): TokenRejected | SigningKeysUnavailable {
  if (error instanceof errors.JWTExpired) return new TokenRejected('token_expired', 'token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const words =
      error.reason === 'missing'
        ? `token has no ${error.claim} claim`
        : (CLAIM_WORDS[error.claim] ?? `token ${error.claim} claim invalid`);
    return new TokenRejected('invalid_token', words);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRejected('invalid_token', 'token signature invalid');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejected('invalid_token', 'no published signing key matches the token (kid)');
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new TokenRejected('invalid_token', 'token algorithm not accepted');
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JWKInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new TokenRejected('invalid_token', 'malformed token');
  }
  // What is left comes from fetching the JWKS: a timeout, a non-200 answer, an unreadable body, a refused connection.
  return new SigningKeysUnavailable(`signing keys unavailable: ${error.message}`, { cause: error });
}
