/**
 * The Temporal CLI that `npm test` provisions (PATH first, then the project's build cache), for tests that act
 * as an operator would or need a Temporal server of their own to restart.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/workflows/definitions.js';
import { freePort } from './free-port.js';

export function findTemporalCli(): string | undefined {
  if (spawnSync('temporal', ['--version']).status === 0) return 'temporal';
  const cached = join(process.env.LONGHAUL_CACHE_DIR ?? join(homedir(), '.cache', 'longhaul'), 'bin', 'temporal');
  return existsSync(cached) ? cached : undefined;
}

/**
 * Sends `approvalDecision` to a tool call's workflow with the CLI, as an operator would from a shell; the
 * CLI's exit status and stderr come back for the test to assert on.
 */
export function signalApprovalDecision(address: string, toolCallId: string, input: Record<string, unknown>) {
  const binary = findTemporalCli();
  if (!binary) throw new Error('the Temporal CLI that npm test provisions is missing');
  const args = ['workflow', 'signal', '--address', address, '--workflow-id', `tool-${toolCallId}`];
  return spawnSync(binary, [...args, '--name', 'approvalDecision', '--input', JSON.stringify(input)], {
    encoding: 'utf8',
  });
}

/** A dev server of the test's own, on a free port, persisting to `dbFile` so a restart keeps its state. */
export async function startTemporalDevServer(dbFile: string, port?: number) {
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is not installed; run npm test, which provisions it');
  const grpcPort = port ?? (await freePort());
  const address = `127.0.0.1:${grpcPort}`;
  const child: ChildProcess = spawn(
    cli,
    [
      'server',
      'start-dev',
      '--db-filename',
      dbFile,
      '--ip',
      '127.0.0.1',
      '--port',
      String(grpcPort),
      '--headless',
      '--log-level',
      'error',
      ...SEARCH_ATTRIBUTE_NAMES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (spawnSync(cli, ['operator', 'namespace', 'describe', 'default', '--address', address]).status !== 0) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`Temporal dev server on ${address} did not become ready`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    address,
    port: grpcPort,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
