/**
 * Loads and checks a project's configuration module once at start. Every problem stops the process with the
 * file and the entry named, so a bad deploy fails before it takes a task rather than in the middle of a turn.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { AgentDefinition } from '../agents/agent-definition.js';
import type { ToolDefinition } from '../tools/tool-definition.js';

export const DEFAULT_CONFIG_FILE = 'longhaul.config.ts';
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const AGENT_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

export class ProjectConfigError extends Error {
  override name = 'ProjectConfigError';
}

export interface ProjectConfig {
  /** Absolute path of the module, or undefined when there is none (the default file is optional). */
  file: string | undefined;
  tools: ToolDefinition[];
  agents: AgentDefinition[];
}

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'must be a function');
// A user's project may bring its own copy of zod, so the schema is recognised by shape, not by class.
const zodSchema = z.custom<z.ZodType>(
  (value) => typeof (value as { safeParse?: unknown } | null)?.safeParse === 'function',
  'must be a zod schema',
);

const toolSchema = z.looseObject({
  name: z.string().regex(TOOL_NAME, `must match ${TOOL_NAME}`),
  description: z.string().min(1),
  input: zodSchema,
  mode: z.enum(['inline', 'durable', 'background']),
  requiresApproval: z.union([z.boolean(), fn]).optional(),
  execute: fn,
});

const agentSchema = z.looseObject({
  name: z.string().regex(AGENT_NAME, `must match ${AGENT_NAME}`),
  version: z.string().min(1),
  description: z.string().min(1),
  systemPrompt: fn,
  tools: z.array(z.string()),
});

// Strict: a key Longhaul does not read (a typo, or `mcpServers`, which is not wired yet) stops the start.
const configSchema = z.strictObject({
  tools: z.array(z.unknown()).optional(),
  agents: z.array(z.unknown()).optional(),
});

/**
 * Imports the module at `path` (else `longhaul.config.ts` in `cwd`, if it exists) and checks it against the
 * tools and agents already registered. Throws ProjectConfigError naming the file and the entry.
 */
export async function loadProjectConfig(options: {
  path: string | undefined;
  cwd?: string;
  builtinTools: readonly string[];
  builtinAgents: readonly string[];
}): Promise<ProjectConfig> {
  const file = resolve(options.cwd ?? process.cwd(), options.path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (options.path === undefined) return { file: undefined, tools: [], agents: [] };
    throw new ProjectConfigError(`${file}: no such file (named by LONGHAUL_CONFIG)`);
  }
  const fail = (entry: string, problem: string): never => {
    throw new ProjectConfigError(`${file}: ${entry}: ${problem}`);
  };

  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new ProjectConfigError(`${file}: the module threw while loading: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const config = configSchema.safeParse(module.default);
  if (!config.success) {
    const issue = config.error.issues[0];
    return fail(
      issue?.path.length ? issue.path.join('.') : 'default export',
      module.default === undefined
        ? 'must be `export default defineConfig({ tools, agents })`'
        : `${issue?.message ?? 'invalid'}; expected \`export default defineConfig({ tools, agents })\``,
    );
  }

  const toolNames = new Set(options.builtinTools);
  const tools = (config.data.tools ?? []).map((entry, index) => {
    const label = `tools[${index}]${named(entry)}`;
    const tool = toolSchema.safeParse(entry);
    if (!tool.success) return fail(label, issueText(tool.error));
    if (toolNames.has(tool.data.name))
      fail(label, `the tool name "${tool.data.name}" is taken (built-in or declared twice)`);
    toolNames.add(tool.data.name);
    return entry as ToolDefinition;
  });

  const agentNames = new Set(options.builtinAgents);
  const agents = (config.data.agents ?? []).map((entry, index) => {
    const label = `agents[${index}]${named(entry)}`;
    const agent = agentSchema.safeParse(entry);
    if (!agent.success) return fail(label, issueText(agent.error));
    if (agentNames.has(agent.data.name))
      fail(label, `the agent name "${agent.data.name}" is taken (built-in or declared twice)`);
    agentNames.add(agent.data.name);
    const unknown = agent.data.tools.filter((name) => !toolNames.has(name));
    if (unknown.length > 0) fail(label, `names unknown tools: ${unknown.join(', ')}`);
    return entry as AgentDefinition;
  });
  return { file, tools, agents };
}

function named(entry: unknown): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? ` ("${name}")` : '';
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'entry'} ${issue.message}` : 'invalid';
}
