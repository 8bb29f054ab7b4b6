/**
 * A sub-agent's turn: a child completion running as another agent, on a child thread of its own whose first
 * message is the delegated question. It is opened like any turn: the same policy decides its model (allowlist
 * included), tools and limits, and `openTurn` writes its rows. Ids derive from the tool call id, so a retried
 * preparation opens the same turn again and writes nothing twice.
 */
import { subagentCompletionId, subagentDerivedId } from './subagent-parent.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { withTransaction } from '../db/transaction.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { LifecycleDeps } from './lifecycle-deps.js';
import { openTurn } from './open-turn.js';
import { TurnRefused, type ResolvedTurn, type TurnPolicy } from './turn-policy.js';

export interface SubagentCall {
  toolCallId: string;
  toolName: string;
  /** The agent that answers the call. */
  subagent: string;
  question: string;
  userId: string;
  /** The calling turn. */
  completionId: string;
  threadId: string;
  rootCompletionId: string;
  /** The calling turn's depth in its sub-agent tree (0 for a user's turn). */
  depth: number;
  /** The budget the whole tree shares: the sub-agent spends its root's, not one of its own. */
  tokenBudget: number;
}

export type OpenedSubagentTurn = { ok: true; child: CompletionInput } | { ok: false; message: string };

export interface SubagentDeps extends Pick<LifecycleDeps, 'pool'> {
  policy: TurnPolicy;
  tools: ToolRegistry;
  maxAgentDepth: number;
}

/** Opens the sub-agent's turn, or says why it cannot run in words the calling model reads as the tool's failure. */
export async function openSubagentTurn(deps: SubagentDeps, call: SubagentCall): Promise<OpenedSubagentTurn> {
  const depth = call.depth + 1;
  if (depth > deps.maxAgentDepth) {
    return { ok: false, message: `research can nest at most ${deps.maxAgentDepth} levels deep; answer this yourself` };
  }
  const parent = await createCompletionsRepo(deps.pool).get(call.completionId);
  if (!parent) return { ok: false, message: `the ${call.toolName} sub-agent is not available` };
  // At the deepest level the sub-agent gets no tool that would open yet another sub-agent.
  const delegating =
    depth < deps.maxAgentDepth ? [] : deps.tools.names().filter((name) => deps.tools.get(name)?.subagent);
  let spec: ResolvedTurn;
  try {
    spec = deps.policy.resolve(
      { agent: call.subagent },
      { threadAgent: null, fallbackModel: parent.model, withheld: delegating },
    );
  } catch (error) {
    if (!(error instanceof TurnRefused)) throw error;
    return { ok: false, message: `the ${call.toolName} sub-agent cannot run: ${error.message}` };
  }
  const child: CompletionInput = {
    completionId: subagentCompletionId(call.toolCallId),
    threadId: subagentDerivedId('thr', call.toolCallId),
    userId: call.userId,
    model: spec.model,
    assistantMessageId: subagentDerivedId('msg', `${call.toolCallId}:answer`),
    limits: { ...spec.limits, tokenBudget: call.tokenBudget },
    tools: spec.tools,
    agent: spec.agent,
    ...(spec.structuredOutput ? { structuredOutput: true } : {}),
    parent: {
      completionId: call.completionId,
      toolCallId: call.toolCallId,
      rootCompletionId: call.rootCompletionId,
      depth,
    },
  };
  const messageId = subagentDerivedId('msg', call.toolCallId);
  await withTransaction(deps.pool, (db) =>
    openTurn(db, {
      completionId: child.completionId,
      assistantMessageId: child.assistantMessageId,
      userId: call.userId,
      threadId: child.threadId,
      spec,
      // A sub-agent's thread takes no second message, so its double-texting policy never applies.
      // Its id is made here and unique across users, so its client knows it by that id too.
      newThread: {
        clientId: child.threadId,
        title: call.question.slice(0, 80),
        doubleTextPolicy: 'reject',
        agent: spec.agent.name,
        parentThreadId: call.threadId,
      },
      userMessage: { id: messageId, uiMessageId: messageId, parts: [{ type: 'text', text: call.question }] },
      parentCompletionId: call.completionId,
    }),
  );
  return { ok: true, child };
}
