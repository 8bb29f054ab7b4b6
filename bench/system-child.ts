/**
 * The bench process's side of a system's child process (system-process.ts): starts it, waits for `ready`, makes
 * calls over IPC and closes it. No child outlives the bench: close() kills what does not exit in time, the
 * bench process's exit kills what is left, and a child whose IPC channel drops (the bench was killed) exits
 * by itself.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  SYSTEM_CONFIG_ENV,
  type CallReply,
  type CallRequest,
  type CallType,
  type ReadyMessage,
  type SystemCalls,
  type SystemConfig,
} from './system-protocol.js';
import type { SystemName } from './target.js';

export interface SystemChild {
  ready: ReadyMessage;
  pid: number;
  call<K extends CallType>(type: K, args: SystemCalls[K]['args']): Promise<SystemCalls[K]['value']>;
  /** Closes the system in its process, then makes sure the process is gone. */
  close(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./system-process.ts', import.meta.url));
/** Longhaul connects to Temporal, Postgres and Redis and creates its worker before it is ready. */
const READY_TIMEOUT_MS = 60_000;
/** The slowest calls are a CPU profile's stop (writing and summarising it) and closing Longhaul's worker. */
const CALL_TIMEOUT_MS = 60_000;
const EXIT_WAIT_MS = 5_000;

export function spawnSystem(kind: SystemName, config: Omit<SystemConfig, 'kind'>): Promise<SystemChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', ENTRY], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [SYSTEM_CONFIG_ENV]: JSON.stringify({ kind, ...config } satisfies SystemConfig) },
  });
  const killOnBenchExit = () => child.kill('SIGKILL');
  process.once('exit', killOnBenchExit);

  const pending = new Map<
    number,
    { type: CallType; resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    const ended = (reason: string) => {
      exitReason ??= reason;
      process.off('exit', killOnBenchExit);
      for (const { type, reject } of pending.values())
        reject(new Error(`${kind} process ${exitReason} during ${type}`));
      pending.clear();
      resolve();
    };
    child.once('exit', (code, signal) => ended(`exited (${signal ?? `code ${code}`})`));
    child.on('error', (error) => ended(`could not run: ${error.message}`));
  });

  let nextId = 1;
  const call = <K extends CallType>(type: K, args: SystemCalls[K]['args']): Promise<SystemCalls[K]['value']> => {
    if (exitReason) return Promise.reject(new Error(`${kind} process ${exitReason}; cannot ${type}`));
    const id = nextId++;
    return new Promise<SystemCalls[K]['value']>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(new Error(`${kind} process did not answer ${type} within ${CALL_TIMEOUT_MS} ms`)),
        CALL_TIMEOUT_MS,
      );
      const settle = (error: Error | undefined, value?: unknown) => {
        clearTimeout(timer);
        pending.delete(id);
        if (error) reject(error);
        else resolve(value as SystemCalls[K]['value']);
      };
      pending.set(id, { type, resolve: (value) => settle(undefined, value), reject: (error) => settle(error) });
      child.send({ id, type, ...args } as CallRequest, (error) => {
        if (error) settle(new Error(`${kind} process: sending ${type} failed: ${error.message}`));
      });
    });
  };

  const close = async () => {
    let failure: unknown;
    if (!exitReason) await call('close', {}).catch((error: unknown) => (failure = error));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WAIT_MS);
    await exited;
    clearTimeout(timer);
    if (failure) throw failure;
  };

  return new Promise<SystemChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} process was not ready within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${kind} process ${exitReason} before it was ready`));
    });
    child.on('message', (message: ReadyMessage | CallReply) => {
      if ('type' in message) {
        clearTimeout(timer);
        resolve({ ready: message, pid: message.pid, call, close });
        return;
      }
      const waiting = pending.get(message.id);
      if (!waiting) return;
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new Error(`${kind} process: ${message.error}`));
    });
  });
}

/**
 * `run` between a start call and its stop call (hop tracing, a CPU profile, event loop delay); the stop call also
 * follows a run that throws, so the child is not left tracing or profiling.
 */
export async function aroundCalls<T, S extends CallType, E extends CallType>(
  child: Pick<SystemChild, 'call'>,
  start: [S, SystemCalls[S]['args']],
  stop: E,
  run: () => Promise<T>,
): Promise<{ value: T; stopped: SystemCalls[E]['value'] }> {
  await child.call(...start);
  let value: T;
  try {
    value = await run();
  } catch (error) {
    await child.call(stop, {} as SystemCalls[E]['args']).catch(() => undefined);
    throw error;
  }
  return { value, stopped: await child.call(stop, {} as SystemCalls[E]['args']) };
}
