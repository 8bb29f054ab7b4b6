/**
 * At most so many active completions per user (queued, running or awaiting approval: a queued turn will start one),
 * checked in the transaction that opens a turn. The count is of rows, not of a counter kept beside them, so it holds
 * across replicas and has nothing to leak when a process dies; a transaction-scoped advisory lock per user makes two
 * openings of the same user's turns (on any replica, on any threads) take turns, so both cannot see the last slot free.
 */
import type pg from 'pg';
import { ACTIVE_STATUSES } from '../workflows/definitions.js';

export class TooManyActiveCompletions extends Error {
  override name = 'TooManyActiveCompletions';
  constructor(readonly limit: number) {
    super(`at most ${limit} active completions per user; wait for one to finish or cancel one`);
  }
}

/** Throws `TooManyActiveCompletions` when the user already has `limit` active; 0 = unlimited (no lock, no count). */
export async function checkActiveCompletionsCap(client: pg.PoolClient, userId: string, limit: number): Promise<void> {
  if (limit === 0) return;
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    `longhaul:active-completions:${userId}`,
  ]);
  const { rows } = await client.query<{ active: number }>(
    `SELECT count(*)::int AS active FROM completions WHERE user_id = $1 AND status = ANY($2)`,
    [userId, ACTIVE_STATUSES],
  );
  if (rows[0]!.active >= limit) throw new TooManyActiveCompletions(limit);
}
