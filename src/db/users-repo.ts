import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './pool.js';
import { newId } from './ids.js';

export interface AuthenticatedUser {
  id: string;
  name: string;
}

export interface ApiKeyRow {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What a presented key is worth. `stale` = last_used_at is due for an update (null or over a minute old). */
export type ApiKeyCheck =
  | { status: 'valid'; user: AuthenticatedUser; keyId: string; stale: boolean }
  | { status: 'revoked' | 'expired' | 'unknown' };

export type RevokeOutcome =
  | { status: 'revoked' | 'already_revoked'; key: ApiKeyRow }
  | { status: 'not_found' }
  | { status: 'ambiguous'; count: number };

const KEY_PREFIX = 'lh_';
/** Shown in listings and accepted by `keys revoke`: 'lh_' and 9 random characters, far from the key's 192 bits. */
const SHOWN_PREFIX_LENGTH = 12;
/** Users known by a token's `sub` are named in their own namespace; CLI user names cannot contain ':'. */
const SUBJECT_NAME_PREFIX = 'jwt:';

const KEY_COLUMNS = `id, prefix, label, created_at AS "createdAt", expires_at AS "expiresAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Users and their API keys. Keys are stored only as sha256 hashes: a database leak does not leak keys. */
export function createUsersRepo(db: Queryable) {
  return {
    async ensureUser(name: string): Promise<AuthenticatedUser> {
      const { rows } = await db.query<AuthenticatedUser>(
        `INSERT INTO users (id, name) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
         RETURNING id, name`,
        [newId('usr'), name],
      );
      return rows[0]!;
    },

    async findUser(name: string): Promise<AuthenticatedUser | undefined> {
      const { rows } = await db.query<AuthenticatedUser>('SELECT id, name FROM users WHERE name = $1', [name]);
      return rows[0];
    },

    /**
     * The user a token's subject stands for, created on first sight. Read first: the common case is a known
     * subject, and an upsert would write a row version on every request.
     */
    async ensureSubjectUser(subject: string): Promise<AuthenticatedUser> {
      const find = () =>
        db.query<AuthenticatedUser>('SELECT id, name FROM users WHERE external_subject = $1', [subject]);
      const known = (await find()).rows[0];
      if (known) return known;
      await db.query(
        `INSERT INTO users (id, name, external_subject) VALUES ($1, $2, $3) ON CONFLICT (external_subject) DO NOTHING`,
        [newId('usr'), `${SUBJECT_NAME_PREFIX}${subject}`, subject],
      );
      return (await find()).rows[0]!;
    },

    /** Creates a key and returns it in plain text: the only time it is ever visible. */
    async createApiKey(userId: string, label?: string, expiresAt?: Date): Promise<string> {
      return (await this.issueApiKey(userId, { label, expiresAt })).key;
    },

    async issueApiKey(
      userId: string,
      options: { label?: string; expiresAt?: Date } = {},
    ): Promise<{ id: string; key: string; prefix: string }> {
      const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
      const id = newId('key');
      await db.query(
        `INSERT INTO api_keys (id, user_id, key_hash, prefix, label, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          id,
          userId,
          hashApiKey(key),
          key.slice(0, SHOWN_PREFIX_LENGTH),
          options.label ?? null,
          options.expiresAt ?? null,
        ],
      );
      return { id, key, prefix: key.slice(0, SHOWN_PREFIX_LENGTH) };
    },

    /** Registers a key chosen elsewhere (the dev stack's persistent demo key); idempotent. */
    async registerApiKey(userId: string, key: string, label?: string): Promise<void> {
      await db.query(
        `INSERT INTO api_keys (id, user_id, key_hash, prefix, label) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key_hash) DO NOTHING`,
        [newId('key'), userId, hashApiKey(key), key.slice(0, SHOWN_PREFIX_LENGTH), label ?? null],
      );
    },

    async checkApiKey(key: string): Promise<ApiKeyCheck> {
      const { rows } = await db.query<{
        id: string;
        name: string;
        keyId: string;
        revoked: boolean;
        expired: boolean;
        stale: boolean;
      }>(
        `SELECT u.id, u.name, k.id AS "keyId",
                k.revoked_at IS NOT NULL AS revoked,
                k.expires_at IS NOT NULL AND k.expires_at <= now() AS expired,
                k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' AS stale
         FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.key_hash = $1`,
        [hashApiKey(key)],
      );
      const row = rows[0];
      if (!row) return { status: 'unknown' };
      if (row.revoked) return { status: 'revoked' };
      if (row.expired) return { status: 'expired' };
      return { status: 'valid', user: { id: row.id, name: row.name }, keyId: row.keyId, stale: row.stale };
    },

    /** Records a use; the condition keeps it to one write per key per minute whatever the request rate. */
    async markApiKeyUsed(keyId: string): Promise<void> {
      await db.query(
        `UPDATE api_keys SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [keyId],
      );
    },

    async listApiKeys(userId: string): Promise<ApiKeyRow[]> {
      const { rows } = await db.query<ApiKeyRow>(
        `SELECT ${KEY_COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      );
      return rows;
    },

    /** Revokes by key id or by the prefix `keys list` shows; a prefix two keys share revokes neither. */
    async revokeApiKey(idOrPrefix: string): Promise<RevokeOutcome> {
      const { rows } = await db.query<ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 OR prefix = $1`, [
        idOrPrefix,
      ]);
      if (rows.length === 0) return { status: 'not_found' };
      if (rows.length > 1) return { status: 'ambiguous', count: rows.length };
      const key = rows[0]!;
      if (key.revokedAt) return { status: 'already_revoked', key };
      const updated = await db.query<ApiKeyRow>(
        `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
        [key.id],
      );
      return { status: 'revoked', key: updated.rows[0]! };
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
