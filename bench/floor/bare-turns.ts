/**
 * Bare Temporal turns: a workflow that runs one activity (standing in for the model call, as long as an answer
 * streams) and ends, started with eager workflow start and eager activities (as `npm start` starts a turn), with
 * no search attributes, memo, markers, Postgres or Redis. Client and worker share this process, as API and worker
 * do under `npm start`, on a task queue of their own. What any turn that is a Temporal workflow costs before it
 * does anything of its own. With `relay`, a turn can also relay its chunks and store its messages (floor/relay.ts):
 * the least the brief's shape adds to that; resumable and heartbeating, the least a turn a viewer can resume and a
 * dead worker's answer can move from needs.
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { closedLoop } from '../closed-loop.js';
import { createFloorActivities } from './activities.js';
import { createRelay, type RelayConnections } from './relay.js';

/** What a relaying turn sends through the relay (floor/relay.ts), and whether it is resumable and heartbeats. */
export interface TurnRelay {
  chunks: number;
  resumable?: boolean;
}

export interface BareTurns {
  /**
   * `completions` turns, `concurrency` at a time (closed loop), each activity running `answerMs` (relaying its
   * chunks when given `relay`); returns each turn's time from `start()` to its activity running.
   */
  closedLoop(answerMs: number, concurrency: number, completions: number, relay?: TurnRelay): Promise<number[]>;
  close(): Promise<void>;
}

export async function startBareTurns(options: {
  temporalAddress: string;
  namespace: string;
  relay?: RelayConnections;
}): Promise<BareTurns> {
  const taskQueue = `longhaul-floor-${process.pid}`;
  // Temporal's native runtime logs to stderr by default; the output is the figures. No signal handlers either:
  // who started this process decides when it ends.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const client = new Client({ connection, namespace: options.namespace });
  const activityStarted = new Map<string, number>();
  const relay = options.relay ? await createRelay(options.relay) : undefined;
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflow.ts', import.meta.url)),
    activities: createFloorActivities((workflowId, at) => activityStarted.set(workflowId, at), relay),
  });
  const workerRun = worker.run();

  let sequence = 0;
  async function turn(answerMs: number, relayed: TurnRelay | undefined): Promise<number> {
    const workflowId = `floor-${process.pid}-${(sequence += 1)}`;
    let viewer: { received: Promise<void> } | undefined;
    if (relayed !== undefined) {
      if (!relay) throw new Error('this floor process was started without the relay');
      viewer = await relay.open(workflowId, relayed.chunks);
    }
    const startedAt = performance.now();
    const workflowType = !relayed ? 'floorTurn' : relayed.resumable ? 'floorResumableTurn' : 'floorRelayTurn';
    const handle = await client.workflow.start(workflowType, {
      taskQueue,
      workflowId,
      args: relayed ? [workflowId, answerMs, relayed.chunks] : [answerMs],
      requestEagerStart: true,
    });
    await Promise.all([handle.result(), viewer?.received]);
    const activityAt = activityStarted.get(workflowId);
    activityStarted.delete(workflowId);
    if (activityAt === undefined) throw new Error(`${workflowId}: its activity never ran`);
    return activityAt - startedAt;
  }

  return {
    closedLoop: (answerMs, concurrency, completions, relayed) =>
      closedLoop(concurrency, completions, () => turn(answerMs, relayed)),
    async close() {
      worker.shutdown();
      await workerRun;
      await connection.close();
      await relay?.close();
    },
  };
}
