/**
 * A worker in a process of its own (`src/worker.ts`, as production runs it), so a test can SIGKILL it mid-stream
 * the way an OOM kill or a lost machine would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Harness } from './harness.js';

export async function startWorkerProcess(
  h: Harness,
): Promise<{ kill(): Promise<void>; stop(): Promise<void>; output(): string }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: h.config.DATABASE_URL,
      REDIS_URL: h.config.REDIS_URL,
      TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      OPENAI_API_KEY: h.config.OPENAI_API_KEY,
      OPENAI_BASE_URL: h.config.OPENAI_BASE_URL,
      ANTHROPIC_API_KEY: h.config.ANTHROPIC_API_KEY,
      ANTHROPIC_BASE_URL: h.config.ANTHROPIC_BASE_URL,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('polling task queue')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await ready;
  // "polling" is logged just before run(); give the pollers a moment to reach the server.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    /** Everything the worker wrote to stdout and stderr so far (its log lines). */
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
