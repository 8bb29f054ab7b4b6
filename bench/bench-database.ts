/**
 * The bench's own database, recreated on every run so earlier runs' rows (and the 200-turn threads it seeds)
 * never change what a query costs; the migrations are applied exactly as the app applies them.
 */
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';

export const BENCH_DATABASE = 'longhaul_bench';

export async function recreateBenchDatabase(baseUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${BENCH_DATABASE}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return url.toString();
}
