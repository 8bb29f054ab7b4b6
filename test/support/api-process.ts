/**
 * An API replica in a process of its own (`src/server.ts`, as production runs it), on the harness's database,
 * Redis, Temporal task queue and scripted model, so a test can run several replicas side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Harness } from './harness.js';
import { freePort } from './free-port.js';

export interface ApiProcess {
  url: string;
  /** fetch against this replica with the harness's key (override with `key`). */
  api(path: string, init?: RequestInit & { key?: string }): Promise<Response>;
  output(): string;
  stop(): Promise<void>;
}

/** The environment a Longhaul process of this harness runs with, plus `extra`. */
export function processEnv(h: Harness, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: h.config.DATABASE_URL,
    REDIS_URL: h.config.REDIS_URL,
    TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: h.taskQueue,
    OPENAI_API_KEY: h.config.OPENAI_API_KEY,
    OPENAI_BASE_URL: h.config.OPENAI_BASE_URL,
    ANTHROPIC_API_KEY: h.config.ANTHROPIC_API_KEY,
    ANTHROPIC_BASE_URL: h.config.ANTHROPIC_BASE_URL,
    LONGHAUL_DEFAULT_MODEL: h.config.LONGHAUL_DEFAULT_MODEL,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Resolves once `child` has written `readyLine`; rejects with its output if it exits first. */
export function waitForLine(
  child: ChildProcess,
  readyLine: string,
  name: string,
): { ready: Promise<void>; output(): string } {
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes(readyLine)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  return { ready, output: () => output };
}

export async function startApiProcess(h: Harness, extraEnv: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: processEnv(h, { HOST: '127.0.0.1', PORT: String(port), ...extraEnv }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { ready, output } = waitForLine(child, 'listening on http://', 'API');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await ready;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    output,
    api(path, init = {}) {
      const { key = h.apiKey, headers, ...rest } = init;
      return fetch(`${url}${path}`, {
        ...rest,
        headers: { authorization: `Bearer ${key}`, ...(headers as Record<string, string> | undefined) },
      });
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
