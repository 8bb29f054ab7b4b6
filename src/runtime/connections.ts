import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';

/** Redis with bounded reconnect backoff; commands queue while it reconnects (a Redis restart is a pause). */
export function createRedis(url: string, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 5,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  // Without a listener ioredis reports each failed reconnect as unhandled; one line per failure is enough.
  redis.on('error', (error: Error) => console.error(`[redis ${name}] ${error.message}`));
  return redis;
}

export async function connectTemporal(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export { createPool };
