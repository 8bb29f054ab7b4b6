/** The facts a reader needs before comparing two runs: figures are only comparable within one machine. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  totalMemoryGb: number;
  node: string;
  platform: string;
  /** 1-minute load average at start and end: another busy process on the machine shows up here. */
  loadAverageStart: number;
  loadAverageEnd?: number;
  /** The code measured: HEAD and whether src/ had uncommitted changes (another engineer may be editing it). */
  git: { commit: string; srcDirty: boolean } | null;
}

function gitFacts(): MachineFacts['git'] {
  try {
    const run = (...args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return {
      commit: run('rev-parse', '--short', 'HEAD'),
      srcDirty: run('status', '--porcelain', '--', 'src').length > 0,
    };
  } catch {
    return null;
  }
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageStart: Math.round(os.loadavg()[0]! * 100) / 100,
    git: gitFacts(),
  };
}

export function loadAverage(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
