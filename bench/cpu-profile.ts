/**
 * `--profile`: a V8 CPU profile of the process this runs in (a system's child process) during a phase, summarised
 * by who spent the main thread's time (a package, Longhaul's src/, the bench's own code, Node core, GC). Start and
 * stop are separate calls because the parent asks for each over IPC. The raw .cpuprofile goes to the data dir
 * (open it in Chrome DevTools); only the summary goes into the results.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { round } from './stats.js';

export interface ProfileSummary {
  file: string;
  /** Main-thread time not idle, in ms. */
  busyMs: number;
  /** Share of busy time by owner (native and Node-core time charged to the calling library), largest first. */
  byOwner: { owner: string; percent: number }[];
  /** Heaviest functions by self time. */
  topFunctions: { fn: string; owner: string; percent: number }[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

const REPO = process.cwd();

/** Who a JS frame belongs to; undefined for native and Node-core frames, which are charged to their caller. */
function frameOwner(node: ProfileNode): string | undefined {
  const { url } = node.callFrame;
  if (!url || url.startsWith('node:')) return undefined;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? url);
  }
  const path = url.replace(/^file:\/\//, '').replace(`${REPO}/`, '');
  if (path.startsWith('src/')) return `longhaul ${path.split('/').slice(0, 2).join('/')}`;
  if (path.startsWith('bench/')) return 'bench (hop tracer, IPC with the bench process)';
  return path;
}

/** Exported so a saved .cpuprofile can be summarised again. */
export function summarise(profile: Profile, file: string): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Native and Node-core time (socket writes, the Temporal core bridge, microtasks) goes to the nearest
  // library or Longhaul frame that called it: "who made the process do this work".
  const owners = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owners.get(id);
    if (known) return known;
    const node = nodes.get(id)!;
    const name = node.callFrame.functionName;
    let owner = frameOwner(node);
    if (!owner && ['(garbage collector)', '(program)', '(root)'].includes(name)) owner = name;
    if (!owner) {
      const parent = parents.get(id);
      owner =
        parent === undefined || nodes.get(parent)!.callFrame.functionName === '(root)'
          ? 'node core (event loop)'
          : ownerOf(parent);
    }
    owners.set(id, owner);
    return owner;
  };
  const isProfilerCall = (id: number) => {
    for (let at: number | undefined = id, depth = 0; at !== undefined && depth < 6; at = parents.get(at), depth += 1) {
      if (nodes.get(at)?.callFrame.url === 'node:inspector') return true;
    }
    return false;
  };

  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
  let busy = 0;
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, { fn: string; owner: string; us: number }>();
  for (const [id, us] of self) {
    const node = nodes.get(id);
    if (!node || node.callFrame.functionName === '(idle)' || isProfilerCall(id)) continue;
    busy += us;
    const owner = ownerOf(id);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? ` ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
    const fn = `${functionName || '(anonymous)'}${where}`;
    // By owner too: a native function (a socket write) serves many owners, and each is charged its own share.
    const key = `${fn} ${owner}`;
    const entry = byFunction.get(key) ?? { fn, owner, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const percent = (us: number) => round((us / Math.max(1, busy)) * 100, 1);
  return {
    file,
    busyMs: round(busy / 1000, 0),
    byOwner: [...byOwner]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([owner, us]) => ({ owner, percent: percent(us) })),
    topFunctions: [...byFunction]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 15)
      .map(([, { fn, owner, us }]) => ({ fn, owner, percent: percent(us) })),
  };
}

export interface RunningProfile {
  /** Stops the profiler, writes `<dir>/<name>.cpuprofile` and summarises it. */
  stop(): Promise<ProfileSummary>;
}

export async function startCpuProfile(dir: string, name: string): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
  } catch (error) {
    session.disconnect();
    throw error;
  }
  return {
    async stop() {
      try {
        const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${name}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        return summarise(profile, file);
      } finally {
        session.disconnect();
      }
    },
  };
}
