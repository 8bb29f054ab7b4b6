/**
 * Once per test run: make sure Temporal, Postgres and Redis are up (npm test has usually provisioned them
 * already), create a fresh test database with the migrations applied, and bundle the workflow code once so
 * each test file's worker starts in milliseconds instead of re-bundling.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureStack } from '../scripts/stack.mjs';
import { migrate } from '../src/db/migrate.js';
import { bundleWorkflows } from '../src/runtime/bundle-workflows.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = process.env.LONGHAUL_DATA_DIR ?? join(process.cwd(), '.longhaul');
  mkdirSync(dataDir, { recursive: true });
  const stack = await ensureStack({ dataDir, log: (line) => console.log(line) });

  // One database per run, so concurrent runs on one machine cannot drop each other's tables.
  const databaseName = `longhaul_test_${process.pid}`;
  const testDatabaseUrl = await recreateDatabase(stack.env.DATABASE_URL, databaseName);
  const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 1 });
  await migrate(pool);
  await pool.end();

  const { code } = await bundleWorkflows();
  const workflowBundlePath = join(dataDir, `test-workflow-bundle-${process.pid}.js`);
  writeFileSync(workflowBundlePath, code);

  project.provide('databaseUrl', testDatabaseUrl);
  project.provide('redisUrl', stack.env.REDIS_URL);
  project.provide('temporalAddress', stack.env.TEMPORAL_ADDRESS);
  project.provide('workflowBundlePath', workflowBundlePath);
  return async () => {
    await dropDatabase(stack.env.DATABASE_URL, databaseName);
    rmSync(workflowBundlePath, { force: true });
    await stack.stop();
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Creates a fresh database, and drops those left behind by runs whose process is gone (killed runs). */
async function recreateDatabase(baseUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'longhaul\\_test\\_%'`,
    );
    for (const { datname } of rows) {
      if (!isRunning(Number(datname.slice('longhaul_test_'.length)))) {
        await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
