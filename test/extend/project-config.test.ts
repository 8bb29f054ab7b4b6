import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadProjectConfig, ProjectConfigError } from '../../src/extend/load-project-config.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const BUILTIN = { builtinTools: ['current_time', 'fetch_url'], builtinAgents: ['assistant'] };

const load = (path: string | undefined, cwd?: string) => loadProjectConfig({ path, cwd, ...BUILTIN, env: {} });

async function rejection(path: string): Promise<string> {
  const error: unknown = await load(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProjectConfigError);
  return (error as Error).message;
}

describe('the project configuration module', () => {
  it('loads the tools and agents a project declares', async () => {
    const project = await load(fixture('shop/longhaul.config.ts'));
    expect(project.file).toBe(fixture('shop/longhaul.config.ts'));
    expect(project.tools.map((tool) => [tool.name, tool.mode])).toEqual([
      ['lookup_order', 'inline'],
      ['refund', 'durable'],
    ]);
    expect(project.agents.map((agent) => [agent.name, agent.tools])).toEqual([
      ['shop-support', ['lookup_order', 'refund', 'current_time']],
    ]);
  });

  it('reads longhaul.config.ts in the working directory by default, and runs without one', async () => {
    expect((await load(undefined, fixture('shop'))).tools).toHaveLength(2);
    expect(await load(undefined, fixture('broken'))).toEqual({
      file: undefined,
      tools: [],
      agents: [],
      mcpServers: [],
    });
  });

  it.each([
    ['broken/absent.config.ts', 'no such file (named by LONGHAUL_CONFIG)'],
    ['broken/throws.config.ts', 'the module threw while loading: the shop database URL is missing'],
    ['broken/not-a-config.config.ts', 'default export: '],
    [
      'broken/no-default.config.ts',
      'default export: must be `export default defineConfig({ tools, agents, mcpServers })`',
    ],
    ['broken/mcp-servers.config.ts', 'mcpServers[0] ("my_docs"): name must match'],
    ['broken/builtin-name.config.ts', 'tools[0] ("current_time"): the tool name "current_time" is taken'],
    ['broken/twice.config.ts', 'tools[1] ("ping"): the tool name "ping" is taken'],
    ['broken/bad-name.config.ts', 'tools[0] ("look up order"): name must match /^[a-zA-Z0-9_-]{1,64}$/'],
    ['broken/unknown-tool.config.ts', 'agents[0] ("teleporter"): names unknown tools: teleport'],
  ])('refuses %s, naming the file and the entry', async (name, problem) => {
    const message = await rejection(fixture(name));
    expect(message.startsWith(`${fixture(name)}: `)).toBe(true);
    expect(message).toContain(problem);
  });

  it.each(['src/worker.ts', 'src/server.ts'])('%s stops at start with the file and the entry named', async (entry) => {
    const file = fixture('broken/unknown-tool.config.ts');
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', entry], {
      cwd: REPO,
      // Nothing is reachable at these addresses: the process must stop before it connects anywhere.
      env: {
        ...process.env,
        LONGHAUL_CONFIG: file,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
        REDIS_URL: 'redis://127.0.0.1:9',
        TEMPORAL_ADDRESS: '127.0.0.1:9',
      },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${file}: agents[0] ("teleporter"): names unknown tools: teleport`);
  });
});
