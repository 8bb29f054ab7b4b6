import type pg from 'pg';
import type { ChunkPublisher } from '../stream/chunk-publisher.js';
import type { Providers } from '../llm/types.js';
import type { ToolRegistry } from '../tools/tool-registry.js';

/** Everything activities touch from outside, passed in so tests hand them real Postgres, Redis and providers. */
export interface ActivityDeps {
  pool: pg.Pool;
  publisher: ChunkPublisher;
  providers: Providers;
  tools: ToolRegistry;
}
