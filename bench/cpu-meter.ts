/**
 * Who used the machine's CPU during a phase, from /proc (Linux): the load process (this one: load generator and
 * model server), each system's processes (the baseline route; Longhaul as `npm start` runs it, API and worker in
 * one process; Longhaul's production topology, its API and its worker processes), the Temporal server the bench
 * talks to, Postgres (the postmaster, its background processes and the backends serving the bench's database;
 * backends of other databases count as "other"), Redis, and everything else (another Temporal, a test run...).
 * Every system's processes are metered in every phase; the report shows the ones the phase measured. Shares are
 * of the whole machine: 100% = every core busy; `ms` is CPU time. Where /proc is missing the meter reports
 * nothing rather than guessing.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Processes of the systems under test; Longhaul's production topology has two. */
export type SystemProcess = 'baseline process' | 'longhaul process' | 'production API' | 'production worker';
export type CpuGroup = 'load process' | SystemProcess | 'temporal' | 'postgres' | 'redis' | 'other';

export interface CpuShares {
  /** Busy share of the whole machine. */
  machine: number;
  groups: Record<CpuGroup, number>;
  /** CPU time of each group over the phase, ms (`other`: busy time no group accounts for). */
  ms?: Record<CpuGroup, number>;
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

function processTicks(pid: string): { comm: string; ticks: number; childTicks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after the command: state is field 3, utime and stime are fields 14 and 15, and the children it
    // waited for (cutime, cstime) 16 and 17.
    const rest = stat.slice(close + 2).split(' ');
    return { comm, ticks: Number(rest[11]) + Number(rest[12]), childTicks: Number(rest[13]) + Number(rest[14]) };
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

/** A Postgres backend's title: `postgres: <cluster>: <user> <database> <client> <activity>`. */
const isBackendOf = (title: string, database: string) =>
  new RegExp(`^postgres: (\\S+: )?\\S+ ${database} `).test(title);
const isAnyBackend = (title: string) => /^postgres: (\S+: )?\S+ \S+ (\[local\]|[\d.:a-f]+\(\d+\))/.test(title);

/** `systemPids` may leave processes out: the Temporal floor's process meters itself and the server only. */
export function createCpuMeter(
  temporalPort: string,
  systemPids: Partial<Record<SystemProcess, number>>,
  database: string,
) {
  const cores = procStatLines().filter((line) => /^cpu\d+ /.test(line)).length;
  const ownPid = String(process.pid);
  const groupOfPid = new Map<string, SystemProcess>(
    Object.entries(systemPids).map(([group, pid]) => [String(pid), group as SystemProcess]),
  );
  const postgresPids = new Map<string, boolean>();
  const isOurPostgres = (pid: string) => {
    if (!postgresPids.has(pid)) {
      const title = cmdline(pid).trim();
      postgresPids.set(pid, isBackendOf(title, database) || !isAnyBackend(title));
    }
    return postgresPids.get(pid)!;
  };
  const isPostmaster = (pid: string) => !cmdline(pid).startsWith('postgres:');
  const temporalPids = new Map<string, boolean>();
  const isOurTemporal = (pid: string) => {
    if (!temporalPids.has(pid))
      temporalPids.set(pid, new RegExp(`--port ${temporalPort}\\b|:${temporalPort}\\b`).test(cmdline(pid)));
    return temporalPids.get(pid)!;
  };

  function snapshot(): Snapshot | undefined {
    try {
      const groups: Snapshot['groups'] = {
        'load process': 0,
        'baseline process': 0,
        'longhaul process': 0,
        'production API': 0,
        'production worker': 0,
        temporal: 0,
        postgres: 0,
        redis: 0,
      };
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const info = processTicks(pid);
        if (!info) continue;
        const system = groupOfPid.get(pid);
        if (pid === ownPid) groups['load process'] += info.ticks;
        else if (system) groups[system] += info.ticks;
        else if (info.comm === 'temporal' && isOurTemporal(pid)) groups.temporal += info.ticks;
        else if (info.comm === 'postgres' && isOurPostgres(pid)) {
          // The postmaster reaps backends: what a backend that closed during the phase used (a pool dropping an
          // idle connection) is only left in its children's time. That covers every database's backends, so a
          // test run on the same Postgres shows up here; the "other %" column says when one ran.
          groups.postgres += info.ticks + (isPostmaster(pid) ? info.childTicks : 0);
        } else if (info.comm === 'redis-server') groups.redis += info.ticks;
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
        const ms = {} as Record<CpuGroup, number>;
        const toMs = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND) * 1000);
        let accounted = 0;
        for (const name of Object.keys(after.groups) as Exclude<CpuGroup, 'other'>[]) {
          // A process that exited during the phase takes its ticks with it; never count that as negative.
          const ticks = Math.max(0, after.groups[name] - before.groups[name]);
          accounted += ticks;
          groups[name] = share(ticks);
          ms[name] = toMs(ticks);
        }
        const busy = Math.max(0, total - (after.idle - before.idle));
        groups.other = share(Math.max(0, busy - accounted));
        ms.other = toMs(Math.max(0, busy - accounted));
        return { machine: share(busy), groups, ms };
      };
    },
  };
}

export type CpuMeter = ReturnType<typeof createCpuMeter>;
