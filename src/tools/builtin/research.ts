import { z } from 'zod';
import { defineTool } from '../tool-definition.js';

/**
 * Hands a sub-question to a research sub-agent: a child completion of its own (thread, transcript, stream),
 * whose progress shows in the caller's stream and whose final answer is this tool's output.
 */
export const researchTool = defineTool({
  name: 'research',
  description:
    'Delegates one focused sub-question to a research assistant that can read web pages and keep notes, and ' +
    'returns its answer with sources. Use it to split a broad question into parts. Returns { answer, threadId }.',
  mode: 'durable',
  subagent: 'researcher',
  timeoutMs: 30 * 60_000,
  retry: { maximumAttempts: 1 },
  input: z.object({ question: z.string().min(3).max(2_000) }),
  async execute(): Promise<never> {
    throw new Error('research runs as a sub-agent, not as a function');
  },
});
