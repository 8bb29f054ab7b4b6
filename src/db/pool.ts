import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Past this many distinct statements a process sends the rest unnamed: every pooled connection keeps each named
 * statement for its life, and statements built from varying lists must not grow that without bound.
 */
const MAX_NAMED_STATEMENTS = 500;
const statementNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  const known = statementNames.get(text);
  if (known !== undefined || statementNames.size >= MAX_NAMED_STATEMENTS) return known;
  const name = `lh_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  statementNames.set(text, name);
  return name;
}

/**
 * Sends every parameterised statement as a named prepared statement: a connection parses it once and Postgres
 * reuses its plan, instead of parsing and planning each of a turn's twenty-odd statements every time (the
 * backends' CPU per turn is what this saves). Statements without parameters (BEGIN, COMMIT) stay simple queries.
 */
class PreparingClient extends pg.Client {
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    const query = super.query as (config: unknown, values?: unknown, callback?: unknown) => never;
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name !== undefined) return query.call(this, { name, text: config, values }, callback);
    }
    return query.call(this, config, values, callback);
  }
}

/** One pool per process; sized small because activities and API handlers hold connections only briefly. */
export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000, Client: PreparingClient });
  // An idle client losing its connection (Postgres restart) must not crash the process; the pool replaces it.
  pool.on('error', (error) => console.error(`[db] idle client error: ${error.message}`));
  return pool;
}

export type Queryable = Pick<pg.Pool, 'query'>;
