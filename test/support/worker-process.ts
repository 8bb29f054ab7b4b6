/**
 * A worker in a process of its own (`src/worker.ts`, as production runs it), so a test can SIGKILL it mid-stream
 * the way an OOM kill or a lost machine would.
 */
import { spawn } from 'node:child_process';
import { processEnv, waitForLine } from './api-process.js';
import type { Harness } from './harness.js';

export interface WorkerProcess {
  /** The process id: Temporal names the worker `<pid>@<host>` in pending activities and history. */
  pid: number;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Everything the worker wrote to stdout and stderr so far (its log lines). */
  output(): string;
}

export async function startWorkerProcess(h: Harness, extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    env: processEnv(h, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { ready, output } = waitForLine(child, 'polling task queue', 'worker');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await ready;
  // "polling" is logged just before run(); give the pollers a moment to reach the server.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    pid: child.pid!,
    output,
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
