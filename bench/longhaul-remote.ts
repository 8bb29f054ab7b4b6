/**
 * What the bench process holds of Longhaul's child process: the target, and its own Temporal client and Postgres
 * pool for the work that belongs to the bench rather than to the system — reading histories, seeding long
 * threads, terminating workflows the bench walked away from.
 */
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { createPool } from '../src/db/pool.js';
import type { ReadyMessage } from './system-protocol.js';
import { longhaulTarget } from './system-targets.js';
import type { Target } from './target.js';

export interface LonghaulRemote {
  target: Target;
  temporal: Client;
  pool: pg.Pool;
  /** The user the target's API key belongs to: seeded threads must be theirs. */
  userId: string;
  /**
   * Terminates every workflow still running on the bench task queue, or on `queue` (the production topology's):
   * streams the bench walked away from.
   */
  terminateRunning(queue?: string): Promise<number>;
  close(): Promise<void>;
}

export async function connectLonghaul(
  ready: ReadyMessage,
  services: { temporalAddress: string; databaseUrl: string },
): Promise<LonghaulRemote> {
  const { userId, taskQueue } = ready;
  if (!userId || !taskQueue) throw new Error('the Longhaul process did not announce its user and task queue');
  // The default namespace, as the system's own config has it: the bench never sets TEMPORAL_NAMESPACE.
  const connection = await Connection.connect({ address: services.temporalAddress });
  const temporal = new Client({ connection });
  const pool = createPool(services.databaseUrl, 2);
  return {
    target: longhaulTarget(ready.target, temporal),
    temporal,
    pool,
    userId,
    async terminateRunning(queue = taskQueue) {
      let count = 0;
      for await (const execution of temporal.workflow.list({
        query: `TaskQueue = "${queue}" AND ExecutionStatus = "Running"`,
      })) {
        await temporal.workflow
          .getHandle(execution.workflowId, execution.runId)
          .terminate('benchmark over')
          .catch(() => {});
        count += 1;
      }
      return count;
    },
    async close() {
      await connection.close();
      await pool.end();
    },
  };
}
