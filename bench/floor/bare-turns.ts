/**
 * Bare Temporal turns: a workflow that runs one activity (standing in for the model call, as long as an answer
 * streams) and ends, started with eager workflow start and eager activities (as `npm start` starts a turn), with
 * no search attributes, memo, markers, Postgres or Redis. Client and worker share this process, as API and worker
 * do under `npm start`, on a task queue of their own. What any turn that is a Temporal workflow costs before it
 * does anything of its own.
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { closedLoop } from '../closed-loop.js';
import { createFloorActivities } from './activities.js';

export interface BareTurns {
  /**
   * `completions` turns, `concurrency` at a time (closed loop), each activity running `answerMs`; returns each
   * turn's time from `start()` to its activity running.
   */
  closedLoop(answerMs: number, concurrency: number, completions: number): Promise<number[]>;
  close(): Promise<void>;
}

export async function startBareTurns(options: { temporalAddress: string; namespace: string }): Promise<BareTurns> {
  const taskQueue = `longhaul-floor-${process.pid}`;
  // Temporal's native runtime logs to stderr by default; the output is the figures. No signal handlers either:
  // who started this process decides when it ends.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const client = new Client({ connection, namespace: options.namespace });
  const activityStarted = new Map<string, number>();
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflow.ts', import.meta.url)),
    activities: createFloorActivities((workflowId, at) => activityStarted.set(workflowId, at)),
  });
  const workerRun = worker.run();

  let sequence = 0;
  async function turn(answerMs: number): Promise<number> {
    const workflowId = `floor-${process.pid}-${(sequence += 1)}`;
    const startedAt = performance.now();
    const handle = await client.workflow.start('floorTurn', {
      taskQueue,
      workflowId,
      args: [answerMs],
      requestEagerStart: true,
    });
    await handle.result();
    const activityAt = activityStarted.get(workflowId);
    activityStarted.delete(workflowId);
    if (activityAt === undefined) throw new Error(`${workflowId}: its activity never ran`);
    return activityAt - startedAt;
  }

  return {
    closedLoop: (answerMs, concurrency, completions) => closedLoop(concurrency, completions, () => turn(answerMs)),
    async close() {
      worker.shutdown();
      await workerRun;
      await connection.close();
    },
  };
}
