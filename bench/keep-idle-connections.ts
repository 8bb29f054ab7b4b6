/**
 * Node closes idle keep-alive connections after 5 s; a client reusing one at that moment gets ECONNRESET.
 * Phases of one system leave the other's connections idle for longer than that, so both servers keep idle
 * connections for the whole run — the same setting for both, so neither gains from it.
 */
import type { Server } from 'node:http';

const IDLE_MS = 15 * 60_000;

export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = IDLE_MS;
  server.headersTimeout = IDLE_MS + 1_000;
}
