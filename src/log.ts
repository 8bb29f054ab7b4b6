/**
 * Structured logs (pino, one JSON object a line). Components bind their ids (completionId, threadId, userId)
 * with `child`, so every line can be traced to a run. Prompt and completion text are never logged at info.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = PinoLogger;

export function createLogger(component: string, level: LogLevel = 'info'): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime });
}
