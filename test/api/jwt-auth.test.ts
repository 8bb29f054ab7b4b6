/**
 * JWT bearer tokens beside API keys: what a product's own backend mints for its browser. One API accepts HS256
 * tokens made with LONGHAUL_JWT_SECRET and RS256/ES256 tokens whose keys a JWKS server of this test publishes;
 * the JWKS server is rotated mid-test. Every rejected token answers 401 with a JSON error saying why.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startApiBeside } from './api-beside-harness.js';

const SECRET = 'test-secret-of-at-least-32-bytes-for-hs256';
const ISSUER = 'https://app.example.test';
const AUDIENCE = 'longhaul-test';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const kid = `${alg.toLowerCase()}-${randomUUID()}`;
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A JWKS endpoint whose published keys the test replaces at will (a rotation). */
async function startJwksServer(initial: SigningKey[]) {
  let published = initial;
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: published.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    publish(keys: SigningKey[]) {
      published = keys;
    },
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

interface Claims {
  sub?: string;
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
}
const now = () => Math.floor(Date.now() / 1000);
const validClaims = (sub: string): Claims => ({ sub, iss: ISSUER, aud: AUDIENCE, exp: now() + 300 });

function build(claims: Claims) {
  const jwt = new SignJWT({}).setIssuedAt();
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
  if (claims.aud !== undefined) jwt.setAudience(claims.aud);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt;
}

const hs256 = (claims: Claims, secret = SECRET) =>
  build(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const signedWith = (key: SigningKey, claims: Claims) =>
  build(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let h: Harness;
let jwks: Awaited<ReturnType<typeof startJwksServer>>;
let rsa: SigningKey;
let ec: SigningKey;

beforeAll(async () => {
  rsa = await signingKey('RS256');
  ec = await signingKey('ES256');
  jwks = await startJwksServer([rsa, ec]);
  h = await startHarness({
    LONGHAUL_JWT_SECRET: SECRET,
    LONGHAUL_JWKS_URL: jwks.url,
    LONGHAUL_JWT_ISSUER: ISSUER,
    LONGHAUL_JWT_AUDIENCE: AUDIENCE,
    LONGHAUL_JWKS_COOLDOWN_SECONDS: '1',
  });
});

afterAll(async () => {
  await h?.close();
  await jwks?.close();
});

async function asToken(token: string, path = '/v1/threads', init: RequestInit = {}) {
  const response = await h.api(path, { ...init, key: token });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const createThread = (token: string, title: string) =>
  asToken(token, '/v1/threads', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });

describe('HS256 tokens (LONGHAUL_JWT_SECRET)', () => {
  it('act as the sub user, created on first sight; the same sub later is the same user', async () => {
    const sub = `auth0|${randomUUID()}`;
    const created = await createThread(await hs256(validClaims(sub)), 'first');
    expect(created.status).toBe(201);

    const later = await asToken(await hs256(validClaims(sub)));
    expect(later.status).toBe(200);
    expect(later.body.threads.map((t: { id: string }) => t.id)).toEqual([created.body.id]);

    const { rows } = await h.pool.query('SELECT id, name, external_subject FROM users WHERE external_subject = $1', [
      sub,
    ]);
    expect(rows).toEqual([{ id: expect.stringMatching(/^usr_/), name: `jwt:${sub}`, external_subject: sub }]);
  });

  it('of another sub do not see that user’s threads', async () => {
    const mine = await createThread(await hs256(validClaims(`alice-${randomUUID()}`)), 'private');
    expect(mine.status).toBe(201);

    const other = await asToken(await hs256(validClaims(`bob-${randomUUID()}`)), `/v1/threads/${mine.body.id}`);
    expect(other.status).toBe(404);
  });

  it('within the clock skew are still accepted (exp 10 s ago)', async () => {
    const { status } = await asToken(await hs256({ ...validClaims(`skew-${randomUUID()}`), exp: now() - 10 }));
    expect(status).toBe(200);
  });

  it.each([
    ['expired', { exp: now() - 120 }, 'token_expired', /expired/],
    ['not yet valid', { nbf: now() + 120 }, 'invalid_token', /not yet valid/],
    ['from another issuer', { iss: 'https://evil.example.test' }, 'invalid_token', /issuer/],
    ['for another audience', { aud: 'someone-else' }, 'invalid_token', /audience/],
    ['without an expiry', { exp: undefined }, 'invalid_token', /exp/],
    ['whose sub is not 1-255 printable ASCII', { sub: 'has space' }, 'invalid_token', /sub/],
  ] as const)('are refused when %s: 401', async (_case, change, code, message) => {
    const token = await hs256({ ...validClaims(`refused-${randomUUID()}`), ...change });
    const { status, body } = await asToken(token);

    expect(status).toBe(401);
    expect(body).toEqual({ error: { code, message: expect.stringMatching(message) } });
  });

  it('are refused when signed with another secret or tampered with: 401', async () => {
    const foreign = await hs256(validClaims(`foreign-${randomUUID()}`), 'another-secret-that-is-32-bytes-long!!');
    const [header, , signature] = (await hs256(validClaims('victim'))).split('.');
    const tampered = `${header}.${b64({ ...validClaims('admin') })}.${signature}`;

    for (const token of [foreign, tampered]) {
      const { status, body } = await asToken(token);
      expect(status).toBe(401);
      expect(body).toEqual({ error: { code: 'invalid_token', message: expect.stringMatching(/signature/) } });
    }
  });

  it('are refused unsigned (alg none): 401', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(validClaims(`none-${randomUUID()}`))}.`;
    const { status, body } = await asToken(unsigned);

    expect(status).toBe(401);
    expect(body).toEqual({ error: { code: 'invalid_token', message: expect.stringMatching(/algorithm/) } });
  });
});

describe('RS256 and ES256 tokens (LONGHAUL_JWKS_URL)', () => {
  it('are accepted with a key the JWKS publishes', async () => {
    for (const key of [rsa, ec]) {
      const { status } = await asToken(await signedWith(key, validClaims(`jwks-${randomUUID()}`)));
      expect(status).toBe(200);
    }
  });

  it('are refused for a kid the JWKS does not publish: 401', async () => {
    const stranger = await signingKey('ES256');
    const { status, body } = await asToken(await signedWith(stranger, validClaims(`stranger-${randomUUID()}`)));

    expect(status).toBe(401);
    expect(body).toEqual({ error: { code: 'invalid_token', message: expect.stringMatching(/key/) } });
  });

  it('signed with a rotated-in key are accepted once the JWKS publishes it, and the retired key is refused', async () => {
    const rotated = await signingKey('RS256');
    const sub = `rotation-${randomUUID()}`;
    expect((await asToken(await signedWith(rsa, validClaims(sub)))).status).toBe(200);
    const early = await asToken(await signedWith(rotated, validClaims(sub)));
    expect(early.status).toBe(401);

    jwks.publish([rotated, ec]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // LONGHAUL_JWKS_COOLDOWN_SECONDS
    const fetchesBefore = jwks.fetches();
    expect((await asToken(await signedWith(rotated, validClaims(sub)))).status).toBe(200);
    expect(jwks.fetches()).toBe(fetchesBefore + 1);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const retired = await asToken(await signedWith(rsa, validClaims(sub)));
    expect(retired.status).toBe(401);
  });
});

describe('an unreachable JWKS', () => {
  it('answers 503 auth_unavailable, not 401: the token may be fine', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const api = await startApiBeside(h, { config: { LONGHAUL_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` } });
    try {
      const token = await signedWith(rsa, validClaims(`down-${randomUUID()}`));
      const response = await fetch(`${api.url}/v1/threads`, { headers: { authorization: `Bearer ${token}` } });

      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        error: { code: 'auth_unavailable', message: 'token signing keys are unavailable; retry later' },
      });
    } finally {
      await api.close();
    }
  });
});

describe('telling API keys and tokens apart', () => {
  it('still accepts the API key of the same server', async () => {
    expect((await h.api('/v1/threads')).status).toBe(200);
  });

  it('answers 401 for a credential that is neither an lh_ key nor a JWT', async () => {
    const { status, body } = await asToken('not-a-key');

    expect(status).toBe(401);
    expect(body.error.code).toBe('unauthorized');
  });
});

describe('JWT settings', () => {
  it('are off by default and refuse a secret shorter than 32 bytes (without printing it), a plain-http remote JWKS, a bad skew', () => {
    const config = parseConfig({});
    expect(config.LONGHAUL_JWT_SECRET).toBeUndefined();
    expect(config.LONGHAUL_JWKS_URL).toBeUndefined();
    expect(config.LONGHAUL_JWT_CLOCK_SKEW_SECONDS).toBe(30);

    const shortSecret = 'only-31-bytes-long-secret-value';
    expect(() => parseConfig({ LONGHAUL_JWT_SECRET: shortSecret })).toThrow(/LONGHAUL_JWT_SECRET.*32 bytes/);
    expect(() => parseConfig({ LONGHAUL_JWT_SECRET: shortSecret })).not.toThrow(shortSecret);
    expect(parseConfig({ LONGHAUL_JWT_SECRET: `${shortSecret}!` }).LONGHAUL_JWT_SECRET).toBe(`${shortSecret}!`);
    expect(() => parseConfig({ LONGHAUL_JWKS_URL: 'http://idp.example.com/jwks' })).toThrow(/LONGHAUL_JWKS_URL=/);
    expect(() => parseConfig({ LONGHAUL_JWT_CLOCK_SKEW_SECONDS: '-1' })).toThrow(ConfigError);
    expect(parseConfig({ LONGHAUL_JWKS_URL: 'https://idp.example.com/jwks' }).LONGHAUL_JWKS_URL).toBe(
      'https://idp.example.com/jwks',
    );
  });
});
