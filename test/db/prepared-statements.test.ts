/**
 * The pool's connections keep each parameterised statement prepared (parsed and planned once per connection);
 * statements without parameters, and transactions around prepared ones, behave as plain queries do.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';

describe('the pool prepares parameterised statements', () => {
  let pool: pg.Pool;

  beforeAll(() => {
    pool = createPool(inject('databaseUrl'), 1);
  });
  afterAll(() => pool.end());

  const preparedOn = async (client: pg.PoolClient) =>
    (await client.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map(
      (row) => row.statement,
    );

  it('prepares a statement once on a connection and reuses it with other values', async () => {
    const text = 'SELECT $1::int + $2::int AS sum';
    const first = await pool.query<{ sum: number }>(text, [1, 2]);
    const second = await pool.query<{ sum: number }>(text, [40, 2]);
    expect([first.rows[0]?.sum, second.rows[0]?.sum]).toEqual([3, 42]);
    const client = await pool.connect();
    try {
      expect((await preparedOn(client)).filter((statement) => statement === text)).toHaveLength(1);
    } finally {
      client.release();
    }
  });

  it('keeps plain statements and transactions plain', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE prepared_check (n int) ON COMMIT DROP');
      await client.query('INSERT INTO prepared_check (n) VALUES ($1), ($2)', [1, 2]);
      const { rows } = await client.query<{ total: number }>(
        'SELECT sum(n)::int AS total FROM prepared_check WHERE n > $1',
        [0],
      );
      await client.query('COMMIT');
      expect(rows[0]?.total).toBe(3);
      const prepared = await preparedOn(client);
      expect(prepared).toContain('SELECT sum(n)::int AS total FROM prepared_check WHERE n > $1');
      expect(prepared.some((statement) => /BEGIN|COMMIT|CREATE TEMP/.test(statement))).toBe(false);
    } finally {
      client.release();
    }
  });
});
