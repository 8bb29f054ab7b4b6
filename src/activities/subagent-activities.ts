/**
 * Research sub-agents: a tool call answered by a child completion running as another agent, on a child thread
 * of its own. Ids are derived from the tool call id, so a retried preparation finds what it already wrote.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import { textPartSchema } from '../db/ui-parts.js';
import type { ToolResult } from '../tools/tool-result.js';
import { completionWorkflowId, type CompletionInput, type ToolCallInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';

const questionSchema = z.object({ question: z.string() });

function derivedId(prefix: string, toolCallId: string): string {
  return `${prefix}_${createHash('sha256').update(toolCallId).digest('base64url').slice(0, 16)}`;
}

export type PreparedSubagent = { ok: true; child: CompletionInput } | { ok: false };

export function createSubagentActivities({ pool, agents, tools, settings }: ActivityDeps) {
  const executions = createToolExecutionsRepo(pool);
  const completions = createCompletionsRepo(pool);
  const messages = createMessagesRepo(pool);

  async function fail(toolCallId: string, message: string): Promise<PreparedSubagent> {
    await executions.storeResult(toolCallId, { kind: 'failed', message });
    return { ok: false };
  }

  return {
    async prepareSubagent(input: ToolCallInput): Promise<PreparedSubagent> {
      const depth = (input.depth ?? 0) + 1;
      if (depth > settings.maxAgentDepth) {
        return fail(input.toolCallId, `research can nest at most ${settings.maxAgentDepth} levels deep; answer this yourself`);
      }
      const agent = input.subagent ? agents.get(input.subagent) : undefined;
      const row = await executions.get(input.toolCallId);
      const question = questionSchema.safeParse(row?.args);
      if (!agent || !row || !question.success) return fail(input.toolCallId, `the ${input.toolName} sub-agent is not available`);

      const completionId = derivedId('cmp', input.toolCallId);
      const threadId = derivedId('thr', input.toolCallId);
      const child: CompletionInput = {
        completionId,
        threadId,
        userId: input.userId,
        model: agent.model ?? (await completions.get(input.completionId))!.model,
        assistantMessageId: derivedId('msg', `${input.toolCallId}:answer`),
        limits: {
          maxSteps: agent.limits?.maxSteps ?? 8,
          maxOutputTokens: agent.limits?.maxOutputTokens ?? 4096,
          tokenBudget: input.tokenBudget ?? 0,
        },
        tools: agent.tools.filter((name) => tools.get(name) && (name !== 'research' || depth < settings.maxAgentDepth)),
        agent: { name: agent.name, version: agent.version },
        parent: {
          completionId: input.completionId,
          toolCallId: input.toolCallId,
          rootCompletionId: input.rootCompletionId ?? input.completionId,
          depth,
        },
      };
      await pool.query(
        `INSERT INTO threads (id, user_id, title, agent, parent_thread_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [threadId, input.userId, question.data.question.slice(0, 80), agent.name, input.threadId],
      );
      const userMessage = await messages.insertUserMessage({
        id: derivedId('msg', input.toolCallId),
        threadId,
        uiMessageId: derivedId('msg', input.toolCallId),
        parts: [{ type: 'text', text: question.data.question }],
      });
      if (!(await completions.get(completionId))) {
        await completions.create({
          id: completionId,
          threadId,
          userId: input.userId,
          model: child.model,
          assistantMessageId: child.assistantMessageId,
          workflowId: completionWorkflowId(completionId),
          userMessageId: userMessage.id,
          agent: child.agent!,
          parentCompletionId: input.completionId,
        });
      }
      await pool.query(`UPDATE threads SET active_completion_id = $2 WHERE id = $1`, [threadId, completionId]);
      return { ok: true, child };
    },

    /** The sub-agent's final answer becomes the tool's result; a failed or stopped sub-agent, a failure. */
    async collectSubagentResult(input: { toolCallId: string; child: CompletionInput }): Promise<{ kind: ToolResult['kind'] }> {
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
          ? { kind: 'completed', output: { answer, threadId: input.child.threadId, completionId: input.child.completionId } }
          : {
              kind: 'failed',
              message: `the research sub-agent ${completion?.status ?? 'did not run'}${completion?.error ? `: ${completion.error.message}` : ''}`,
            };
      await executions.storeResult(input.toolCallId, result);
      return { kind: result.kind };
    },
  };
}
