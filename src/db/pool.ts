import pg from 'pg';

/** One pool per process; sized small because activities and API handlers hold connections only briefly. */
export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (Postgres restart) must not crash the process; the pool replaces it.
  pool.on('error', (error) => console.error(`[db] idle client error: ${error.message}`));
  return pool;
}

export type Queryable = Pick<pg.Pool, 'query'>;
