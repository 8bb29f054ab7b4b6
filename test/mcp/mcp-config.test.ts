import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProjectConfig, ProjectConfigError } from '../../src/extend/load-project-config.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const load = (name: string, env: NodeJS.ProcessEnv = { MCP_TEST_TOKEN: 's3cret' }) =>
  loadProjectConfig({ path: fixture(name), builtinTools: ['current_time'], builtinAgents: ['assistant'], env });

async function rejection(name: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const error: unknown = await load(name, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProjectConfigError);
  return (error as Error).message;
}

describe('mcpServers in the project configuration', () => {
  it('reads HTTP and stdio servers, resolving ${env:…} in headers and env', async () => {
    const project = await load('servers.config.ts');
    expect(project.mcpServers).toEqual([
      {
        name: 'docs',
        url: 'http://127.0.0.1:9/mcp',
        headers: { authorization: 'Bearer s3cret', 'x-plain': 'kept' },
        approval: ['delete_page'],
      },
      { name: 'local', command: 'node', args: ['server.js'], env: { KEY: 's3cret' }, approval: 'never' },
    ]);
  });

  it("lets an agent name a declared server's tools before the server has answered", async () => {
    const project = await load('servers.config.ts');
    expect(project.agents[0]?.tools).toEqual(['docs__search', 'local__anything']);
  });

  it.each([
    ['unknown-server-tool.config.ts', 'agents[0] ("writer"): names unknown tools: wiki__page'],
    ['twice.config.ts', 'mcpServers[1] ("docs"): the server name "docs" is declared twice'],
    ['both-transports.config.ts', 'mcpServers[0] ("docs"): '],
  ])('refuses %s, naming the entry', async (name, problem) => {
    expect(await rejection(name)).toContain(problem);
  });

  it('stops at start when a header names an unset variable, without quoting any value', async () => {
    const message = await rejection('servers.config.ts', {});
    expect(message).toContain('mcpServers[0] ("docs"): authorization names ${env:MCP_TEST_TOKEN}, which is not set');
  });
});
