/**
 * The API key lifecycle through the operator CLI, run for real (`node --import tsx src/cli.ts`) against the test
 * database: create with an expiry, list, revoke; a revoked or expired key is refused on its next request, and
 * use is recorded in last_used_at at most once a minute.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const lastLine = (text: string) => text.trim().split('\n').at(-1)!;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

async function keyRow(key: string) {
  const { rows } = await h.pool.query(
    `SELECT id, prefix, label, expires_at, last_used_at, revoked_at FROM api_keys WHERE prefix = $1`,
    [key.slice(0, 12)],
  );
  return rows[0];
}

describe('keys create / list / revoke', () => {
  const user = `ops-${randomUUID().slice(0, 8)}`;

  it('creates a key that expires in 30 days and prints it as the last line', async () => {
    const created = await cli('keys', 'create', user, '--expires-in', '30d', '--label', 'ci');

    expect(created.code).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^lh_[A-Za-z0-9_-]{32}$/);
    const row = await keyRow(key);
    expect(row.label).toBe('ci');
    expect(Math.abs(row.expires_at.getTime() - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    expect((await h.api('/v1/threads', { key })).status).toBe(200);
  });

  it('creates a key with --expires-at and refuses an expiry in the past or both flags at once', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const created = await cli('keys', 'create', user, '--expires-at', at);
    expect(created.code).toBe(0);
    expect((await keyRow(lastLine(created.stdout))).expires_at.toISOString()).toBe(at);

    const past = await cli('keys', 'create', user, '--expires-at', '2020-01-01T00:00:00Z');
    expect(past.code).toBe(64);
    expect(past.stderr).toMatch(/in the future/);
    const both = await cli('keys', 'create', user, '--expires-at', at, '--expires-in', '1d');
    expect(both.code).toBe(64);
    expect((await cli('keys', 'create', user, '--expires-in', '30x')).code).toBe(64);
  });

  it('lists prefix, label, created, expires, last used and revoked, never the key', async () => {
    const created = lastLine((await cli('keys', 'create', user, '--label', 'listed')).stdout);
    await h.api('/v1/threads', { key: created });
    await waitFor(async () => (await keyRow(created)).last_used_at !== null, 5000, 'last_used_at');
    await cli('keys', 'revoke', created.slice(0, 12));

    const listed = await cli('keys', 'list', user);

    expect(listed.code).toBe(0);
    const [header, ...lines] = listed.stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['ID', 'PREFIX', 'LABEL', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED']);
    expect(lines).toHaveLength(3);
    const row = lines.find((line) => line.includes('listed'))!.split(/\s{2,}/);
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    expect(row).toEqual([
      expect.stringMatching(/^key_/),
      created.slice(0, 12),
      'listed',
      expect.stringMatching(iso),
      'never',
      expect.stringMatching(iso),
      expect.stringMatching(iso),
    ]);
    expect(listed.stdout).not.toContain(created);
    const unused = lines.find((line) => line.includes('  cli  '))!.split(/\s{2,}/);
    expect(unused.slice(2)).toEqual(['cli', expect.stringMatching(iso), expect.stringMatching(iso), 'never', '-']);
  });

  it('says when a user has no such name', async () => {
    const listed = await cli('keys', 'list', `nobody-${randomUUID().slice(0, 8)}`);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/no user named/);
  });
});

describe('a revoked or expired key', () => {
  it('revoked by id is refused on its next request: 401 api_key_revoked', async () => {
    const { apiKey } = await h.createUser();
    expect((await h.api('/v1/threads', { key: apiKey })).status).toBe(200);
    const { id } = await keyRow(apiKey);

    const revoked = await cli('keys', 'revoke', id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`revoked ${id}`));

    const response = await h.api('/v1/threads', { key: apiKey });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'api_key_revoked', message: 'API key revoked' } });
    expect((await cli('keys', 'revoke', id)).stdout).toMatch(/already revoked/);
  });

  it('revoke refuses an unknown id or prefix', async () => {
    const unknown = await cli('keys', 'revoke', 'lh_nothing1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no API key/);
  });

  it('past its expiry is refused: 401 api_key_expired', async () => {
    const { apiKey } = await h.createUser();
    expect((await h.api('/v1/threads', { key: apiKey })).status).toBe(200);
    await h.pool.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE prefix = $1`, [
      apiKey.slice(0, 12),
    ]);

    const response = await h.api('/v1/threads', { key: apiKey });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'api_key_expired', message: 'API key expired' } });
  });
});

describe('last_used_at', () => {
  it('is set on first use and not rewritten by uses within the minute', async () => {
    const { apiKey } = await h.createUser();
    expect((await keyRow(apiKey)).last_used_at).toBeNull();

    await h.api('/v1/threads', { key: apiKey });
    await waitFor(async () => (await keyRow(apiKey)).last_used_at !== null, 5000, 'last_used_at');
    const first = (await keyRow(apiKey)).last_used_at as Date;
    await h.api('/v1/threads', { key: apiKey });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await keyRow(apiKey)).last_used_at).toEqual(first);

    await h.pool.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE prefix = $1`, [
      apiKey.slice(0, 12),
    ]);
    await h.api('/v1/threads', { key: apiKey });
    await waitFor(async () => Date.now() - (await keyRow(apiKey)).last_used_at.getTime() < 60_000, 5000, 'refreshed');
  });
});
