/** A refusal from the API, with what the page needs to explain it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from `Retry-After` on a 429. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Network failures (server down, connection cut) are not refusals: the page reconnects instead. */
export function isConnectionFailure(error: unknown): boolean {
  return (
    !(error instanceof ApiError) &&
    error instanceof Error &&
    /fetch|network|terminated|load failed/i.test(error.message)
  );
}
