/**
 * CPU time per completion of a phase, by process group (issue 17): what the system's own processes used (the
 * baseline route; API and worker in one process for `npm start`; the API and the worker apart in the
 * production topology), and what Temporal, Postgres and Redis used meanwhile. "All" is their sum: the load
 * generator and model server are the bench's, not the system's, and are left out for every system alike.
 */
import type { FloorFigures } from './floor/measure.js';
import type { LatencyFigures } from './phases/latency.js';
import type { BenchResults, FloorPhases } from './results.js';
import type { SystemName } from './target.js';

export interface CpuPerCompletion {
  /** The system's own processes. */
  system: number;
  /** Production topology only: the API and the worker processes. */
  api?: number;
  worker?: number;
  temporal: number;
  postgres: number;
  redis: number;
  /** system + Temporal + Postgres + Redis. */
  all: number;
  completions: number;
}

export function cpuPerCompletion(system: SystemName, phase: LatencyFigures | undefined): CpuPerCompletion | undefined {
  const ms = phase?.load?.cpu?.ms;
  if (!phase || !ms || phase.completions === 0) return undefined;
  const per = (value: number) => value / phase.completions;
  const split =
    system === 'production' ? { api: per(ms['production API']), worker: per(ms['production worker']) } : undefined;
  const own = split
    ? split.api + split.worker
    : per(ms[system === 'baseline' ? 'baseline process' : 'longhaul process']);
  const services = { temporal: per(ms.temporal), postgres: per(ms.postgres), redis: per(ms.redis) };
  return {
    system: own,
    ...split,
    ...services,
    all: own + services.temporal + services.postgres + services.redis,
    completions: phase.completions,
  };
}

export interface FloorCpuPerCompletion {
  /** The floor's own process: client and worker (and, relaying, publisher and subscriber). */
  own: number;
  temporal: number;
  /** A relaying level's (floor/relay.ts); 0 for the bare workflow, which uses neither. */
  redis: number;
  postgres: number;
  /** Everything above: the bare workflow alone, or with its relay. */
  all: number;
  completions: number;
}

export function floorCpuPerCompletion(phase: FloorFigures | undefined): FloorCpuPerCompletion | undefined {
  const ms = phase?.cpu?.ms;
  if (!phase || !ms || phase.completions === 0) return undefined;
  const per = (value: number) => value / phase.completions;
  const relays = phase.relayChunks !== undefined;
  const [own, temporal] = [per(ms['load process']), per(ms.temporal)];
  const [redis, postgres] = relays ? [per(ms.redis), per(ms.postgres)] : [0, 0];
  return { own, temporal, redis, postgres, all: own + temporal + redis + postgres, completions: phase.completions };
}

export interface CpuPhase {
  label: string;
  pick: (figures: BenchResults['baseline']) => LatencyFigures | undefined;
  /** The Temporal floor measured at the same shape, concurrency and count. */
  pickFloor: (floor: FloorPhases | undefined) => FloorFigures | undefined;
  /** The same with its chunks relayed through Redis and the turn stored, least first (the long answers only). */
  relayedFloors?: RelayedFloor[];
}

export interface RelayedFloor {
  /** The floor's row in the CPU table. */
  label: string;
  /** How the goals table names it beside the bare floor. */
  note: string;
  /** What it runs, for the report's paragraph under the CPU table. */
  explains: string;
  pick: (floor: FloorPhases | undefined) => FloorFigures | undefined;
}

export const RELAYED_FLOORS: RelayedFloor[] = [
  {
    label: 'Temporal floor + relay (bare workflow, chunks through Redis pub/sub, turn stored)',
    note: 'with the relay',
    explains:
      "is the same workflow whose activity also publishes each of the answer's chunks, paced as the model sends them, to a Redis channel (a plain PUBLISH, pipelined: no replay log, sequence numbers or expiry) that a subscriber in the same process receives, and stores the user's and the assistant's message in Postgres (one INSERT each, one connection): the least the brief's shape (chunks through Redis pub/sub, messages in Postgres) adds, with Redis and the Postgres backend counted.",
    pick: (floor) => floor?.longAnswerRelayed,
  },
  {
    label: 'Temporal floor + resumable relay (the same, each chunk also logged for resuming viewers, heartbeats)',
    note: 'resumable and heartbeating',
    explains:
      "also appends each chunk to a capped Redis Stream and puts the entry's id in the live message (one Lua script per chunk, pipelined: what a viewer that reconnects needs to replay the answer so far and join the live stream without a gap or a repeat), expires the log when the answer ends, and heartbeats every 2 s against a 5 s heartbeat timeout (as Longhaul's model call does: how a worker that dies mid-answer is noticed and the answer moved to another): the least a resumable turn that survives a worker's death adds.",
    pick: (floor) => floor?.longAnswerResumable,
  },
];

/** The phases issue 17 sets CPU goals on: 50 chunks at each latency concurrency, and the long answers. */
export function cpuPhases(results: Pick<BenchResults, 'plan'>): CpuPhase[] {
  const { shape, longAnswer } = results.plan;
  return [
    ...results.plan.concurrencies.map((c) => ({
      label: `${shape.chunks} chunks, c=${c}`,
      pick: (figures: BenchResults['baseline']) => figures.latency.find((l) => l.concurrency === c),
      pickFloor: (floor: FloorPhases | undefined) => floor?.latency.find((l) => l.concurrency === c),
    })),
    {
      label: `${longAnswer.shape.chunks} chunks, c=${longAnswer.concurrency}`,
      pick: (figures: BenchResults['baseline']) => figures.longAnswer,
      pickFloor: (floor: FloorPhases | undefined) => floor?.longAnswer,
      relayedFloors: RELAYED_FLOORS,
    },
  ];
}
