/**
 * The refusal of every limit that holds across replicas: a 429 whose body names the limit (`code`, and the number
 * in `limit`) and whose Retry-After says when to try again, so a client backs off without parsing the message.
 */
import { AppError } from './app-error.js';

export type LimitCode = 'rate_limited' | 'too_many_auth_failures' | 'too_many_active_completions' | 'too_many_streams';

export class LimitExceeded extends AppError {
  override name = 'LimitExceeded';
  /** Whole seconds, at least 1: Retry-After takes no fractions, and 0 would invite an immediate retry. */
  readonly retryAfterSeconds: number;
  constructor(
    code: LimitCode,
    message: string,
    readonly limit: number,
    retryAfterMs: number,
  ) {
    super(429, code, message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
