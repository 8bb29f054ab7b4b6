import { Context } from '@temporalio/activity';
import { createAuditRepo } from '../db/audit-repo.js';
import { metrics } from '../metrics.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { withTransaction } from '../db/transaction.js';
import { auditFromActivity } from './audit-from-activity.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { threadStatusChunk } from '../completions/announcements.js';
import { publishSubagentProgress } from '../completions/announcements.js';

/**
 * Marks the completion started and opens the UI message; safe to repeat (the client ignores a second start).
 * The Postgres writes (one transaction, one commit) and the stream's first chunks go out concurrently: this runs
 * before the first token, so its latency is the user's.
 */
export function createBeginCompletion({ pool, publisher }: ActivityDeps) {
  return async function beginCompletion(input: CompletionInput): Promise<void> {
    if (Context.current().info.attempt === 1) metrics.completionsStarted.inc();
    const record = withTransaction(pool, async (client) => {
      await createCompletionsRepo(client).markStarted(input.completionId);
      await auditFromActivity(createAuditRepo(client), {
        key: `message_received:${input.completionId}`,
        threadId: input.threadId,
        completionId: input.completionId,
        userId: input.userId,
        type: 'message_received',
        actor: input.userId,
        data: { model: input.model, tools: input.tools ?? [] },
      });
    });
    const announce = (async () => {
      await publisher.publish(input.completionId, { type: 'start', messageId: input.assistantMessageId });
      await publishSubagentProgress(publisher, input, { status: 'running', step: 0 });
      await publisher.publish(input.completionId, threadStatusChunk(input, 'running'), input.userId);
    })();
    await Promise.all([record, announce]);
  };
}
