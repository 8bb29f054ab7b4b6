import type pg from 'pg';
import type { Logger } from '../log.js';
import type { ChunkPublisher } from '../stream/chunk-publisher.js';

/**
 * What the completion lifecycle touches: Postgres for the record, the publisher for the announcements (stream
 * chunks and the user's channel), a logger. No Temporal and no Koa: the worker's activities and the API's
 * services pass these in and adapt their own world to plain inputs.
 */
export interface LifecycleDeps {
  pool: pg.Pool;
  publisher: ChunkPublisher;
  log: Logger;
}

/**
 * Where a lifecycle write came from, stamped on its audit rows so the ledger links into the Temporal UI: the
 * running activity's workflow execution, or the workflow the API acted on.
 */
export interface Origin {
  workflowId: string | null;
  runId: string | null;
}
