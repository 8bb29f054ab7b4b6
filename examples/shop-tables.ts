/**
 * The shop's own tables, beside Longhaul's in the same database. Created on first use, so the example needs no
 * migration step: one transaction under an advisory lock, so two workers starting together do not race.
 */
import type { ToolContext } from 'longhaul';

type Pool = ToolContext['pool'];

const ready = new WeakMap<Pool, Promise<void>>();

/** Creates the tables (and two demo orders) once per pool; later calls wait on the same promise. */
export function ensureShopTables(pool: Pool): Promise<void> {
  let done = ready.get(pool);
  if (!done) {
    done = createTables(pool);
    // A failure (the database was down) is tried again on the next call rather than remembered.
    done.catch(() => ready.delete(pool));
    ready.set(pool, done);
  }
  return done;
}

async function createTables(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('longhaul-example-shop'))`);
    await client.query(`CREATE TABLE IF NOT EXISTS example_shop_orders (
      order_number text PRIMARY KEY,
      status text NOT NULL,
      total numeric(10, 2) NOT NULL,
      tracking_number text
    )`);
    await client.query(`CREATE TABLE IF NOT EXISTS example_shop_refunds (
      tool_call_id text PRIMARY KEY,
      order_number text NOT NULL REFERENCES example_shop_orders,
      amount numeric(10, 2) NOT NULL,
      refunded_at timestamptz NOT NULL DEFAULT now()
    )`);
    await client.query(`INSERT INTO example_shop_orders VALUES
      ('A-1001', 'shipped', 42.50, 'PX-7732'),
      ('A-1002', 'delivered', 180.00, 'PX-7734')
      ON CONFLICT DO NOTHING`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
