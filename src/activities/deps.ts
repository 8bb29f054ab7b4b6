import type pg from 'pg';
import type { ChunkPublisher } from '../stream/chunk-publisher.js';
import type { Providers } from '../llm/types.js';

/** Everything activities touch from outside, passed in so tests hand them real Postgres, Redis and providers. */
export interface ActivityDeps {
  pool: pg.Pool;
  publisher: ChunkPublisher;
  providers: Providers;
}
