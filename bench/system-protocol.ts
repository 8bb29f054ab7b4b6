/**
 * What the bench process and a system's child process say to each other: the config the child starts from, the
 * `ready` message it sends once it serves, and the calls the parent makes over IPC with what each returns.
 */
import type { StackEnv } from '../scripts/stack.mjs';
import type { ProfileSummary } from './cpu-profile.js';
import type { HopSummary } from './hop-tracer.js';
import type { LoopDelay } from './loop-delay.js';
import type { SettledMemory } from './settled-memory.js';
import type { SystemName } from './target.js';

/** The env var that carries SystemConfig, as JSON, to the child. */
export const SYSTEM_CONFIG_ENV = 'LONGHAUL_BENCH_SYSTEM';

export interface SystemConfig {
  kind: SystemName;
  modelBaseURL: string;
  env: StackEnv;
  databaseUrl: string;
  /** The workflow bundle, written once by the parent: passing the code itself would copy megabytes per child. */
  workflowBundlePath: string;
}

export interface ReadyMessage {
  type: 'ready';
  target: { name: SystemName; url: string; headers: Record<string, string> };
  pid: number;
  /** Longhaul only: the user the bench's API key belongs to (seeded threads must be theirs). */
  userId?: string;
  /** Longhaul only: the worker's task queue, to find workflows the bench walked away from. */
  taskQueue?: string;
  /** Longhaul only: how long a finished completion's Redis keys stay (LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS). */
  replayWindowSeconds?: number;
}

type NoArgs = Record<string, never>;

export interface SystemCalls {
  memory: { args: NoArgs; value: SettledMemory };
  /** process.memoryUsage() as it is (no GC), and Longhaul's worker's cached workflows: a soak's samples. */
  'memory-usage': { args: NoArgs; value: { usage: NodeJS.MemoryUsage; cachedWorkflows: number | null } };
  'trace-start': { args: NoArgs; value: null };
  'trace-stop': { args: NoArgs; value: HopSummary };
  'profile-start': { args: { dir: string; name: string }; value: null };
  'profile-stop': { args: NoArgs; value: ProfileSummary };
  'loop-start': { args: NoArgs; value: null };
  'loop-stop': { args: NoArgs; value: LoopDelay };
  close: { args: NoArgs; value: null };
}

export type CallType = keyof SystemCalls;

export type CallRequest = { [K in CallType]: { id: number; type: K } & SystemCalls[K]['args'] }[CallType];

export type CallReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
