/**
 * The bench's own database, created fresh for every run so earlier runs' rows (and the 200-turn threads it seeds)
 * never change what a query costs; the migrations are applied exactly as the app applies them. Named after the
 * bench process, so two runs on one Postgres (an experiment beside a full run) never drop each other's rows;
 * dropBenchDatabase removes it at the end, and a run that died leaves one behind that the next run of the same
 * process id replaces.
 */
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';

export const BENCH_DATABASE = `longhaul_bench_${process.pid}`;

async function asAdmin(baseUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export async function recreateBenchDatabase(baseUrl: string): Promise<string> {
  await asAdmin(baseUrl, `DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
  await asAdmin(baseUrl, `CREATE DATABASE ${BENCH_DATABASE}`);
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

export async function dropBenchDatabase(baseUrl: string): Promise<void> {
  await asAdmin(baseUrl, `DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
}
