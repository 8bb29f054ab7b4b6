import type { Server } from 'node:http';
import type { Logger } from '../log.js';

/**
 * Runs the given closers once, in order, on the first SIGINT/SIGTERM; a second signal exits at once so a stuck
 * close can always be interrupted.
 */
export function onShutdown(log: Logger, closers: (() => Promise<unknown>)[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    log.info(`${signal}: shutting down`);
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        log.warn(`shutdown step failed: ${(error as Error).message}`);
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Stops accepting requests and drops open connections: SSE viewers never finish on their own, and they resume
 * from another replica with Last-Event-ID.
 */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
