import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

const LEVELS: Record<Config['LOG_LEVEL'], LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/**
 * The Temporal SDK runtime of a worker process: its log lines go through our structured logger, our code owns
 * shutdown signals, and the SDK's own metrics are exported when LONGHAUL_TEMPORAL_METRICS_ADDRESS is set.
 */
export function installTemporalRuntime(config: Config, log: Logger): void {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(LEVELS[config.LOG_LEVEL], (entry) => {
      const level =
        entry.level === 'TRACE' || entry.level === 'DEBUG'
          ? 'debug'
          : entry.level === 'INFO'
            ? 'info'
            : entry.level === 'WARN'
              ? 'warn'
              : 'error';
      log[level]({ temporal: entry.meta }, entry.message);
    }),
    ...(config.LONGHAUL_TEMPORAL_METRICS_ADDRESS
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.LONGHAUL_TEMPORAL_METRICS_ADDRESS } } } }
      : {}),
  });
}
