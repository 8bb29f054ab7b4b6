/**
 * Builds a call's system prompt from the completion's agent: its own builder, fed with who is asking, which
 * thread, the time and the tools of this call; plus, for agents with an output schema, the instruction to answer
 * with one JSON object of that shape.
 */
import { z } from 'zod';
import type { AgentDefinition } from '../agents/agent-definition.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { Queryable } from '../db/pool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { CompletionInput } from '../workflows/definitions.js';

export function createSystemPromptBuilder(deps: { db: Queryable; agents: AgentRegistry; tools: ToolRegistry }) {
  return async function systemPromptFor(
    input: CompletionInput,
  ): Promise<{ system: string | undefined; agent: AgentDefinition | undefined }> {
    const agent = input.agent ? deps.agents.get(input.agent.name) : undefined;
    if (!agent) return { system: undefined, agent: undefined };
    const { rows } = await deps.db.query<{ userName: string; title: string | null }>(
      `SELECT u.name AS "userName", t.title FROM threads t JOIN users u ON u.id = t.user_id WHERE t.id = $1`,
      [input.threadId],
    );
    const prompt = await agent.systemPrompt({
      user: { id: input.userId, name: rows[0]?.userName ?? 'the user' },
      thread: { id: input.threadId, title: rows[0]?.title ?? null },
      now: new Date().toISOString(),
      tools: (input.tools ?? []).flatMap((name) => {
        const tool = deps.tools.get(name);
        return tool ? [{ name, description: tool.description }] : [];
      }),
      ...(input.scheduleId ? { schedule: { id: input.scheduleId } } : {}),
    });
    if (!agent.output) return { system: prompt, agent };
    const schema = JSON.stringify(z.toJSONSchema(agent.output, { io: 'output' }));
    return {
      system: `${prompt}\n\nAnswer with exactly one JSON object that matches this JSON Schema, and nothing else (no prose, no code fences):\n${schema}`,
      agent,
    };
  };
}
