/** Redis key names in one place, so the publisher and every subscriber agree. */
export const streamKeys = {
  channel: (completionId: string) => `lh:completion:${completionId}:live`,
  log: (completionId: string) => `lh:completion:${completionId}:log`,
  seq: (completionId: string) => `lh:completion:${completionId}:seq`,
  /** Seq of the latest `start` chunk: a continuation after approvals opens a new segment of the same message. */
  segmentStart: (completionId: string) => `lh:completion:${completionId}:segment`,
  /** Hash of each step's first `start-step` seq (field: the step): where a retried attempt's predecessor began. */
  stepStarts: (completionId: string) => `lh:completion:${completionId}:steps`,
  /** Set when Redis lost the start of the log: replays are rebuilt from Postgres instead. */
  logLost: (completionId: string) => `lh:completion:${completionId}:lost`,
  /** Stop hints for running model calls (every worker listens; the message is the completion id). */
  stopChannel: 'lh:stop',
  /** Set once the current segment ended with `abort` or `error`: later chunks of it are dropped. */
  ended: (completionId: string) => `lh:completion:${completionId}:ended`,
  userChannel: (userId: string) => `lh:user:${userId}:live`,
  /** The user's replay log (capped, expiring), for `GET /v1/events` with Last-Event-ID. */
  userLog: (userId: string) => `lh:user:${userId}:log`,
  /** Never expires: a reset would make a connected or reconnecting client skip new events as already seen. */
  userSeq: (userId: string) => `lh:user:${userId}:seq`,
};

/**
 * Every key a completion's stream writes (its channel is not a key), in the order the publish script takes them:
 * what keeps them alive while it runs, and what its replay window expires once it has finished.
 */
export function completionKeys(completionId: string): string[] {
  return [
    streamKeys.seq(completionId),
    streamKeys.log(completionId),
    streamKeys.segmentStart(completionId),
    streamKeys.logLost(completionId),
    streamKeys.ended(completionId),
    streamKeys.stepStarts(completionId),
  ];
}
