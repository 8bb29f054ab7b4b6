/**
 * Who used the machine's CPU during a phase, from /proc (Linux): this process (load generator, model server,
 * baseline, API and worker together), the Temporal server the bench talks to, Postgres, Redis, and everything
 * else (another Temporal, a test run...). Shares are of the whole machine: 100% = every core busy. Where /proc
 * is missing the meter reports nothing rather than guessing.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type CpuGroup = 'bench process' | 'temporal' | 'postgres' | 'redis' | 'other';

export interface CpuShares {
  /** Busy share of the whole machine. */
  machine: number;
  groups: Record<CpuGroup, number>;
}

interface Snapshot {
  busy: number;
  total: number;
  groups: Record<Exclude<CpuGroup, 'other'>, number>;
}

function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
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

export function createCpuMeter(temporalPort: string) {
  const ownPid = String(process.pid);
  const temporalPids = new Map<string, boolean>();
  const isOurTemporal = (pid: string) => {
    if (!temporalPids.has(pid)) temporalPids.set(pid, new RegExp(`--port ${temporalPort}\\b|:${temporalPort}\\b`).test(cmdline(pid)));
    return temporalPids.get(pid)!;
  };

  function snapshot(): Snapshot | undefined {
    try {
      const groups = { 'bench process': 0, temporal: 0, postgres: 0, redis: 0 };
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const info = processTicks(pid);
        if (!info) continue;
        if (pid === ownPid) groups['bench process'] += info.ticks;
        else if (info.comm === 'temporal' && isOurTemporal(pid)) groups.temporal += info.ticks;
        else if (info.comm === 'postgres') groups.postgres += info.ticks;
        else if (info.comm === 'redis-server') groups.redis += info.ticks;
      }
      return { ...machineTicks(), groups };
    } catch {
      return undefined;
    }
  }

  return {
    start(): () => CpuShares | undefined {
      const before = snapshot();
      return () => {
        const after = snapshot();
        if (!before || !after || after.total <= before.total) return undefined;
        // /proc/stat's first line sums the ticks of every core, in the same unit as per-process CPU ticks.
        const total = after.total - before.total;
        const share = (ticks: number) => Math.round((ticks / total) * 1000) / 10;
        const groups = {} as Record<CpuGroup, number>;
        let accounted = 0;
        for (const name of Object.keys(after.groups) as Exclude<CpuGroup, 'other'>[]) {
          const ticks = Math.max(0, after.groups[name] - before.groups[name]);
          accounted += ticks;
          groups[name] = share(ticks);
        }
        const busy = after.busy - before.busy;
        groups.other = share(Math.max(0, busy - accounted));
        return { machine: share(busy), groups };
      };
    },
  };
}

export type CpuMeter = ReturnType<typeof createCpuMeter>;
