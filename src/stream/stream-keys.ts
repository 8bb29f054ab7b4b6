/** Redis key names in one place, so the publisher and every subscriber agree. */
export const streamKeys = {
  channel: (completionId: string) => `lh:completion:${completionId}:live`,
  log: (completionId: string) => `lh:completion:${completionId}:log`,
  seq: (completionId: string) => `lh:completion:${completionId}:seq`,
  userChannel: (userId: string) => `lh:user:${userId}:live`,
};
