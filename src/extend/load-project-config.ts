/**
 * Loads and checks a project's configuration module once at start. Every problem stops the process with the
 * file and the entry named, so a bad deploy fails before it takes a task rather than in the middle of a turn.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { AgentDefinition } from '../agents/agent-definition.js';
import { MCP_SERVER_NAME, MCP_TOOL_SEPARATOR, type McpServerConfig } from '../mcp/mcp-server-config.js';
import { resolveEnvRefs } from '../mcp/resolve-env-refs.js';
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
  /** With `${env:…}` references already resolved. */
  mcpServers: McpServerConfig[];
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

const stringMap = z.record(z.string(), z.string());
const mcpCommon = {
  name: z.string().regex(MCP_SERVER_NAME, `must match ${MCP_SERVER_NAME}`),
  approval: z.union([z.enum(['always', 'never']), z.array(z.string()), fn]).optional(),
  timeoutMs: z.number().int().positive().optional(),
  listTtlMs: z.number().int().positive().optional(),
};
const mcpServerSchema = z.union([
  z.strictObject({ ...mcpCommon, url: z.url({ protocol: /^https?$/ }), headers: stringMap.optional() }),
  z.strictObject({
    ...mcpCommon,
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    env: stringMap.optional(),
  }),
]);

// Strict: a key Longhaul does not read (a typo) stops the start.
const configSchema = z.strictObject({
  tools: z.array(z.unknown()).optional(),
  agents: z.array(z.unknown()).optional(),
  mcpServers: z.array(z.unknown()).optional(),
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
  /** Where `${env:…}` references in MCP servers' headers and env are looked up (`projectEnv()` from config.ts). */
  env: NodeJS.ProcessEnv;
}): Promise<ProjectConfig> {
  const file = resolve(options.cwd ?? process.cwd(), options.path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (options.path === undefined) return { file: undefined, tools: [], agents: [], mcpServers: [] };
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
        ? 'must be `export default defineConfig({ tools, agents, mcpServers })`'
        : `${issue?.message ?? 'invalid'}; expected \`export default defineConfig({ tools, agents, mcpServers })\``,
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

  const serverNames = new Set<string>();
  const mcpServers = (config.data.mcpServers ?? []).map((entry, index): McpServerConfig => {
    const label = `mcpServers[${index}]${named(entry)}`;
    const server = mcpServerSchema.safeParse(entry);
    if (!server.success) return fail(label, issueText(server.error));
    if (serverNames.has(server.data.name)) fail(label, `the server name "${server.data.name}" is declared twice`);
    serverNames.add(server.data.name);
    const parsed = server.data as McpServerConfig;
    const secrets = 'url' in parsed ? parsed.headers : parsed.env;
    if (!secrets) return parsed;
    const resolved = resolveEnvRefs(secrets, options.env);
    if ('missing' in resolved) return fail(label, resolved.missing);
    return 'url' in parsed ? { ...parsed, headers: resolved.values } : { ...parsed, env: resolved.values };
  });
  // An MCP server's tools are known only once it answers, so an agent may name any tool of a declared server.
  const isKnownTool = (name: string) =>
    toolNames.has(name) ||
    (serverNames.has(name.split(MCP_TOOL_SEPARATOR, 1)[0]!) && name.includes(MCP_TOOL_SEPARATOR));

  const agentNames = new Set(options.builtinAgents);
  const agents = (config.data.agents ?? []).map((entry, index) => {
    const label = `agents[${index}]${named(entry)}`;
    const agent = agentSchema.safeParse(entry);
    if (!agent.success) return fail(label, issueText(agent.error));
    if (agentNames.has(agent.data.name))
      fail(label, `the agent name "${agent.data.name}" is taken (built-in or declared twice)`);
    agentNames.add(agent.data.name);
    const unknown = agent.data.tools.filter((name) => !isKnownTool(name));
    if (unknown.length > 0) fail(label, `names unknown tools: ${unknown.join(', ')}`);
    return entry as AgentDefinition;
  });
  return { file, tools, agents, mcpServers };
}

function named(entry: unknown): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? ` ("${name}")` : '';
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'entry'} ${issue.message}` : 'invalid';
}
