/**
 * Research sub-agents: a tool call answered by a child completion running as another agent, on a child thread
 * of its own. Opening it is the lifecycle's (`openSubagentTurn`); this adapter reads the call's arguments and
 * turns a sub-agent that cannot run into the call's failed result.
 */
import { z } from 'zod';
import { openSubagentTurn } from '../completions/open-subagent-turn.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import { textPartSchema } from '../db/ui-parts.js';
import type { ToolResult } from '../tools/tool-result.js';
import type { CompletionInput, ToolCallInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';

const questionSchema = z.object({ question: z.string() });

export type PreparedSubagent = { ok: true; child: CompletionInput } | { ok: false };

export function createSubagentActivities({ pool, policy, tools, settings }: ActivityDeps) {
  const executions = createToolExecutionsRepo(pool);
  const completions = createCompletionsRepo(pool);
  const messages = createMessagesRepo(pool);

  return {
    async prepareSubagent(input: ToolCallInput): Promise<PreparedSubagent> {
      const row = await executions.get(input.toolCallId);
      const question = questionSchema.safeParse(row?.args);
      const opened =
        input.subagent && question.success
          ? await openSubagentTurn(
              { pool, policy, tools, maxAgentDepth: settings.maxAgentDepth },
              {
                toolCallId: input.toolCallId,
                toolName: input.toolName,
                subagent: input.subagent,
                question: question.data.question,
                userId: input.userId,
                completionId: input.completionId,
                threadId: input.threadId,
                rootCompletionId: input.rootCompletionId ?? input.completionId,
                depth: input.depth ?? 0,
                tokenBudget: input.tokenBudget ?? 0,
              },
            )
          : ({ ok: false, message: `the ${input.toolName} sub-agent is not available` } as const);
      if (opened.ok) return opened;
      await executions.storeResult(input.toolCallId, { kind: 'failed', message: opened.message });
      return { ok: false };
    },

    /** The sub-agent's final answer becomes the tool's result; a failed or stopped sub-agent, a failure. */
    async collectSubagentResult(input: {
      toolCallId: string;
      child: CompletionInput;
    }): Promise<{ kind: ToolResult['kind'] }> {
      const completion = await completions.get(input.child.completionId);
      const steps = await messages.listByCompletion(input.child.completionId);
      const answer = steps
        .flatMap((step) => step.parts)
        .map((part) => textPartSchema.safeParse(part))
        .flatMap((parsed) => (parsed.success ? [parsed.data.text] : []))
        .join('\n')
        .trim();
      const result: ToolResult =
        completion?.status === 'completed'
          ? {
              kind: 'completed',
              output: { answer, threadId: input.child.threadId, completionId: input.child.completionId },
            }
          : {
              kind: 'failed',
              message: `the research sub-agent ${completion?.status ?? 'did not run'}${completion?.error ? `: ${completion.error.message}` : ''}`,
            };
      await executions.storeResult(input.toolCallId, result);
      return { kind: result.kind };
    },
  };
}
