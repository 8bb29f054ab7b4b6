/**
 * Who used the machine's CPU during a phase, from /proc (Linux): the load process (this one: load generator and
 * model server), each system's child process (the baseline route; Longhaul's API and worker), the Temporal
 * server the bench talks to, Postgres, Redis, and everything else (another Temporal, a test run...). Both
 * systems' processes are metered in every phase; the report shows the one the phase measured. Shares are of the
 * whole machine: 100% = every core busy. Where /proc is missing the meter reports nothing rather than guessing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { SystemName } from './target.js';

export type CpuGroup = 'load process' | `${SystemName} process` | 'temporal' | 'postgres' | 'redis' | 'other';

export interface CpuShares {
  /** Busy share of the whole machine. */
  machine: number;
  groups: Record<CpuGroup, number>;
}

interface Snapshot {
  /** performance.now() */
  at: number;
  idle: number;
  groups: Record<Exclude<CpuGroup, 'other'>, number>;
}

/** USER_HZ, the unit of /proc/stat and /proc/<pid>/stat: fixed at 100 by the Linux ABI. */
const TICKS_PER_SECOND = 100;

function procStatLines(): string[] {
  return readFileSync('/proc/stat', 'utf8').split('\n');
}

/** Idle and iowait of every core. */
function idleTicks(): number {
  const fields = procStatLines()[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (fields[3] ?? 0) + (fields[4] ?? 0);
}

function processTicks(pid: string): { comm: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after the command: state is field 3, utime and stime are fields 14 and 15.
    const rest = stat.slice(close + 2).split(' ');
    return { comm, ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined; // the process ended while we read
  }
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function createCpuMeter(temporalPort: string, systemPids: Record<SystemName, number>) {
  const cores = procStatLines().filter((line) => /^cpu\d+ /.test(line)).length;
  const ownPid = String(process.pid);
  const baselinePid = String(systemPids.baseline);
  const longhaulPid = String(systemPids.longhaul);
  const temporalPids = new Map<string, boolean>();
  const isOurTemporal = (pid: string) => {
    if (!temporalPids.has(pid))
      temporalPids.set(pid, new RegExp(`--port ${temporalPort}\\b|:${temporalPort}\\b`).test(cmdline(pid)));
    return temporalPids.get(pid)!;
  };

  function snapshot(): Snapshot | undefined {
    try {
      const groups = {
        'load process': 0,
        'baseline process': 0,
        'longhaul process': 0,
        temporal: 0,
        postgres: 0,
        redis: 0,
      };
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const info = processTicks(pid);
        if (!info) continue;
        if (pid === ownPid) groups['load process'] += info.ticks;
        else if (pid === baselinePid) groups['baseline process'] += info.ticks;
        else if (pid === longhaulPid) groups['longhaul process'] += info.ticks;
        else if (info.comm === 'temporal' && isOurTemporal(pid)) groups.temporal += info.ticks;
        else if (info.comm === 'postgres') groups.postgres += info.ticks;
        else if (info.comm === 'redis-server') groups.redis += info.ticks;
      }
      return { at: performance.now(), idle: idleTicks(), groups };
    } catch {
      return undefined;
    }
  }

  return {
    start(): () => CpuShares | undefined {
      const before = snapshot();
      return () => {
        const after = snapshot();
        if (!before || !after || after.at <= before.at) return undefined;
        // Busy time is what the cores' capacity over the wall-clock interval leaves after idle, not /proc/stat's
        // busy counters: those are sampled at the timer tick and miss short wake-ups (a chunk relayed through
        // three processes), while idle and per-process times are measured exactly.
        const total = ((after.at - before.at) / 1000) * cores * TICKS_PER_SECOND;
        const share = (ticks: number) => Math.round((ticks / total) * 1000) / 10;
        const groups = {} as Record<CpuGroup, number>;
        let accounted = 0;
        for (const name of Object.keys(after.groups) as Exclude<CpuGroup, 'other'>[]) {
          const ticks = Math.max(0, after.groups[name] - before.groups[name]);
          accounted += ticks;
          groups[name] = share(ticks);
        }
        const busy = Math.max(0, total - (after.idle - before.idle));
        groups.other = share(Math.max(0, busy - accounted));
        return { machine: share(busy), groups };
      };
    },
  };
}

export type CpuMeter = ReturnType<typeof createCpuMeter>;
