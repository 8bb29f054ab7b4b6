import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './pool.js';
import { newId } from './ids.js';

export interface AuthenticatedUser {
  id: string;
  name: string;
}

const KEY_PREFIX = 'lh_';

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

    /** Creates a key and returns it in plain text: the only time it is ever visible. */
    async createApiKey(userId: string, label?: string): Promise<string> {
      const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
      await this.registerApiKey(userId, key, label);
      return key;
    },

    /** Registers a key chosen elsewhere (the dev stack's persistent demo key); idempotent. */
    async registerApiKey(userId: string, key: string, label?: string): Promise<void> {
      await db.query(
        `INSERT INTO api_keys (id, user_id, key_hash, prefix, label) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key_hash) DO NOTHING`,
        [newId('key'), userId, hashApiKey(key), key.slice(0, 8), label ?? null],
      );
    },

    async findUserByApiKey(key: string): Promise<AuthenticatedUser | undefined> {
      const { rows } = await db.query<AuthenticatedUser>(
        `SELECT u.id, u.name FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
        [hashApiKey(key)],
      );
      return rows[0];
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
