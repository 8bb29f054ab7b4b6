/**
 * Migration 011 on a database written by the schema before it: every existing thread keeps working for its owner
 * under the id it had, another user may now take that id for a thread of their own, and a writer that predates
 * client ids (an API replica of the previous release) still creates threads its client can find.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { createUsersRepo } from '../../src/db/users-repo.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, textOf, userMessage } from '../support/chat-client.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
// Not `longhaul_test_<pid>`: the global setup of other runs drops those whose pid is gone.
const DATABASE = `longhaul_migration_${process.pid}_${randomUUID().slice(0, 8)}`;

/** Applies the migrations before 011 as `migrate` does, so that `migrate` then applies only the rest. */
async function migrateBefore011(pool: pg.Pool): Promise<void> {
  await pool.query(
    'CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const files = (await readdir(MIGRATIONS_DIR)).filter((name) => /^\d+_.+\.sql$/.test(name) && name < '011').sort();
  for (const file of files) {
    await pool.query(await readFile(`${MIGRATIONS_DIR}${file}`, 'utf8'));
    await pool.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
  }
}

/** One finished turn on thread `abc` as the previous release wrote it: thread, both messages, completion, ledger. */
async function writeLegacyThread(pool: pg.Pool, userId: string): Promise<void> {
  await pool.query(`INSERT INTO threads (id, user_id, title) VALUES ('abc', $1, 'Legacy')`, [userId]);
  await pool.query(
    `INSERT INTO messages (id, thread_id, ui_message_id, role, parts) VALUES ('msg_legacy_user', 'abc', 'u-1', 'user', $1)`,
    [JSON.stringify([{ type: 'text', text: 'old question' }])],
  );
  await pool.query(
    `INSERT INTO completions (id, thread_id, user_id, model, status, assistant_message_id, workflow_id, user_message_id,
       agent, agent_version, steps, finished_at)
     VALUES ('cmp_legacy', 'abc', $1, 'openai:gpt-test', 'completed', 'msg_legacy_answer', 'completion-cmp_legacy',
       'msg_legacy_user', 'tester', '1', 1, now())`,
    [userId],
  );
  await pool.query(
    `INSERT INTO messages (id, thread_id, ui_message_id, role, parts, completion_id, step)
     VALUES ('cmp_legacy:step:0', 'abc', 'msg_legacy_answer', 'assistant', $1, 'cmp_legacy', 0)`,
    [JSON.stringify([{ type: 'text', text: 'old answer' }])],
  );
  await pool.query(
    `INSERT INTO audit_events (event_key, thread_id, completion_id, user_id, type, actor)
     VALUES ('message_received:cmp_legacy', 'abc', 'cmp_legacy', $1, 'message_received', $1)`,
    [userId],
  );
}

describe('migration 011_user_scoped_ids', () => {
  let admin: pg.Client;
  let pool: pg.Pool;
  let h: Harness | undefined;
  const owner = { userId: 'usr_legacy_owner', key: '' };
  const other = { userId: 'usr_legacy_other', key: '' };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${DATABASE}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    await migrateBefore011(pool);
    for (const user of [owner, other]) await pool.query(`INSERT INTO users (id, name) VALUES ($1, $1)`, [user.userId]);
    await writeLegacyThread(pool, owner.userId);

    expect(await migrate(pool)).toContain('011_user_scoped_ids.sql');
    const users = createUsersRepo(pool);
    for (const user of [owner, other]) user.key = await users.createApiKey(user.userId);
    h = await startHarness({ DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await h?.close();
    await pool?.end();
    // Without FORCE, retried until the closed pools' sessions are gone: FORCE would terminate a session whose
    // client the pool has already let go of, and that client's error would have no listener left.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await admin?.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await admin?.end();
  });

  const as = (user: { key: string }, path: string, init: RequestInit = {}) => h!.api(path, { ...init, key: user.key });

  it("keeps each existing thread under its id as both Longhaul's and the client's", async () => {
    const { rows } = await pool.query(`SELECT id, client_id, user_id FROM threads`);
    expect(rows).toEqual([{ id: 'abc', client_id: 'abc', user_id: owner.userId }]);
  });

  it('serves the owner the thread, transcript, completions and ledger it had, and takes a new turn on it', async () => {
    expect(await readJson(await as(owner, '/v1/threads/abc'))).toMatchObject({
      id: 'abc',
      title: 'Legacy',
      completions: [{ id: 'cmp_legacy', threadId: 'abc', status: 'completed' }],
    });
    const before = await readJson(await as(owner, '/v1/threads/abc/messages'));
    expect(before.messages.map((m: { id: string }) => m.id)).toEqual(['u-1', 'msg_legacy_answer']);
    const audit = await readJson(await as(owner, '/v1/threads/abc/audit'));
    expect(audit).toMatchObject({ threadId: 'abc', events: [{ threadId: 'abc', completionId: 'cmp_legacy' }] });

    h!.model.enqueue({ kind: 'text', chunks: ['new answer'] });
    const response = await postChat(
      h!,
      { id: 'abc', trigger: 'submit-message', messages: [userMessage('new question', 'u-2')] },
      owner.key,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-longhaul-thread-id')).toBe('abc');
    expect(textOf((await readTurn(response)).message)).toBe('new answer');
    const after = await readJson(await as(owner, '/v1/threads/abc/messages'));
    expect(after.messages.map((m: { id: string }) => m.id).slice(0, 3)).toEqual(['u-1', 'msg_legacy_answer', 'u-2']);
    const { rows } = await pool.query(`SELECT DISTINCT thread_id FROM completions`);
    expect(rows).toEqual([{ thread_id: 'abc' }]);
  });

  it("lets another user take the existing thread's id for a thread of their own", async () => {
    const created = await as(other, '/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'abc' }),
    });
    expect(created.status).toBe(201);
    expect(await readJson(created)).toMatchObject({ id: 'abc', title: null, userId: other.userId });
    expect((await readJson(await as(other, '/v1/threads/abc/messages'))).messages).toEqual([]);
    expect((await readJson(await as(owner, '/v1/threads/abc'))).title).toBe('Legacy');
  });

  it('gives a thread written without a client id (the previous release) its id as the client id', async () => {
    await pool.query(`INSERT INTO threads (id, user_id, title) VALUES ('old-writer', $1, 'From an old replica')`, [
      owner.userId,
    ]);
    expect(await readJson(await as(owner, '/v1/threads/old-writer'))).toMatchObject({
      id: 'old-writer',
      title: 'From an old replica',
    });
  });
});
