/**
 * What the bench process and the Temporal floor's child process say to each other: the config it starts from
 * (in an env var, as JSON), and the one message it sends back before it exits.
 */
import type { FloorFigures, FloorLevel } from './measure.js';
import type { RelayConnections } from './relay.js';

export const FLOOR_CONFIG_ENV = 'LONGHAUL_BENCH_FLOOR';

/** The namespace is TEMPORAL_NAMESPACE's, in the environment the child inherits. */
export interface FloorConfig {
  temporalAddress: string;
  levels: FloorLevel[];
  /** For levels that relay their chunks; Postgres is metered on this database's backends. */
  relay?: RelayConnections;
}

export type FloorMessage = { type: 'result'; figures: FloorFigures[] } | { type: 'error'; error: string };
