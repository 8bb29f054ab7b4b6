import { z } from 'zod';
import { defineAgent, type AgentPromptContext } from './agent-definition.js';

const toolList = (context: AgentPromptContext) =>
  context.tools.length === 0
    ? 'You have no tools.'
    : `Tools you may call: ${context.tools.map((t) => t.name).join(', ')}.`;

/** The default: a general assistant with every tool the request allows. */
export const assistantAgent = defineAgent({
  name: 'assistant',
  version: '1',
  description: 'A general assistant: answers, and uses tools when they help.',
  tools: ['current_time', 'fetch_url', 'save_note', 'list_notes', 'read_note'],
  systemPrompt: (context) =>
    [
      `You are Longhaul's assistant, talking with ${context.user.name}. The current time is ${context.now}.`,
      toolList(context),
      'Be concise. Ask before doing anything the user did not ask for.',
    ].join('\n'),
});

/** A scheduled run posts into a thread nobody is watching live: a question back would wait until the next run. */
const SCHEDULED_RUN =
  'A schedule started this run; nobody is waiting to answer questions. Do not ask any: research with what you ' +
  'have, and post a self-contained summary that a reader opening the thread later understands on its own, saying ' +
  'what is new since your previous summary in this thread if there is one.';

/** Reads sources, keeps notes, and hands sub-questions to research sub-agents. */
export const researcherAgent = defineAgent({
  name: 'researcher',
  version: '2',
  description: 'Researches a question: reads pages with fetch_url, keeps notes, delegates sub-questions with research.',
  tools: ['fetch_url', 'save_note', 'list_notes', 'read_note', 'research', 'current_time'],
  // Research reads many pages: room for hundreds of tool calls, handed over between workflow runs as it goes.
  limits: { maxSteps: 200 },
  // Pages read with fetch_url pile up fast: a roomy reserve leaves space for a long report with sources, and
  // compaction starts before the window is full, which keeps each call's cost down on long runs.
  context: { reserveTokens: 16_000 },
  systemPrompt: (context) =>
    [
      `You are a careful researcher working for ${context.user.name}. The current time is ${context.now}.`,
      toolList(context),
      'Read primary sources with fetch_url and cite every page you used. Split broad questions into sub-questions',
      'and give each to the research tool. Finish with a short answer followed by the list of sources.',
      ...(context.schedule ? [SCHEDULED_RUN] : []),
    ].join('\n'),
});

export const reviewSchema = z.object({
  verdict: z.enum(['approve', 'request_changes']),
  summary: z.string().min(1),
  issues: z.array(z.object({ severity: z.enum(['low', 'medium', 'high']), description: z.string().min(1) })),
});

/** Answers in a fixed JSON shape: an example of structured output. */
export const reviewerAgent = defineAgent({
  name: 'reviewer',
  version: '1',
  description: 'Reviews the text it is given and answers with a verdict and a list of issues (structured output).',
  tools: [],
  output: reviewSchema,
  systemPrompt: (context) =>
    [
      `You review texts for ${context.user.name}. The current time is ${context.now}.`,
      'Judge clarity and correctness. Give a verdict and the issues you found, most severe first.',
    ].join('\n'),
});

export const BUILTIN_AGENTS = [assistantAgent, researcherAgent, reviewerAgent];
