/** Redis key names in one place, so the publisher and every subscriber agree. */
export const streamKeys = {
  channel: (completionId: string) => `lh:completion:${completionId}:live`,
  log: (completionId: string) => `lh:completion:${completionId}:log`,
  seq: (completionId: string) => `lh:completion:${completionId}:seq`,
  /** Seq of the latest `start` chunk: a continuation after approvals opens a new segment of the same message. */
  segmentStart: (completionId: string) => `lh:completion:${completionId}:segment`,
  /** Seq of a step's first `start-step`: where a retried attempt's predecessor began. */
  stepStart: (completionId: string, step: number) => `lh:completion:${completionId}:step:${step}`,
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
