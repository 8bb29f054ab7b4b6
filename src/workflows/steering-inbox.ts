/**
 * The running turn's side of steering: the `steer` update's validator and handler, and the messages accepted but
 * not yet delivered. Workflow code: deterministic, ids only (the text stays in Postgres).
 *
 * A message is accepted only while a model step can still receive it, and stays pending until a model call that
 * carried it returns: a step cut short, or a call cancelled before it started, hands it to the next step again,
 * and the delivering activity skips what an earlier call delivered, so it lands exactly once.
 */
import { ApplicationFailure, CancellationScope, isCancellation, patched, setHandler } from '@temporalio/workflow';
import {
  STEER_REJECTIONS,
  steerUpdate,
  type CompletionInput,
  type SteeringDelivery,
  type SteerRequest,
} from './definitions.js';

type Phase = 'queued' | 'running' | 'awaiting_approval' | 'finishing';

export function createSteeringInbox(input: CompletionInput) {
  const root = CancellationScope.current();
  // A continued run takes over what its predecessor had accepted and not delivered.
  const pending: string[] = [...(input.continued?.steering ?? [])];
  const seen = new Set<string>(pending);
  let phase: Phase = input.afterCompletionId && !input.continued ? 'queued' : 'running';
  /** The model call in progress and its step, so a `now` message can cut it short. */
  let modelCall: { scope: CancellationScope; step: number } | undefined;
  /** The step that runs next when no model call is in progress. */
  let nextStep = input.continued?.step ?? 0;
  let cut = false;

  const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

  setHandler(
    steerUpdate,
    (request: SteerRequest) => {
      if (seen.has(request.steeringId)) return;
      // Marks a run that took a steering message; runs recorded before steering existed never took one.
      patched('steering');
      seen.add(request.steeringId);
      pending.push(request.steeringId);
      if (request.mode === 'now' && modelCall && !modelCall.scope.consideredCancelled) {
        cut = true;
        modelCall.scope.cancel();
      }
    },
    {
      validator: (request: SteerRequest) => {
        if (seen.has(request.steeringId)) return;
        if (root.consideredCancelled) throw refuse(STEER_REJECTIONS.stopped, 'the answer was stopped');
        if (phase === 'queued') throw refuse(STEER_REJECTIONS.queued, 'the answer has not started yet');
        if (phase === 'awaiting_approval')
          throw refuse(STEER_REJECTIONS.awaitingApproval, 'the answer is waiting for an approval');
        if (phase === 'finishing') throw refuse(STEER_REJECTIONS.finishing, 'the answer is finishing');
        // Step 0 never receives one (there is no step before it to hold it).
        const receivingStep = modelCall ? modelCall.step + 1 : Math.max(nextStep, 1);
        if (receivingStep >= input.limits.maxSteps)
          throw refuse(STEER_REJECTIONS.stepLimit, 'the answer has no model step left to receive it');
      },
    },
  );

  return {
    started(): void {
      if (phase === 'queued') phase = 'running';
    },
    /** Runs one model call of `step` in a scope of its own, so a `now` message cancels it and nothing else. */
    async modelStep<T>(step: number, call: (delivery: SteeringDelivery | undefined) => Promise<T>) {
      // Step 0 has no step before it to carry a message; one accepted meanwhile reaches step 1.
      const delivery: SteeringDelivery | undefined =
        step > 0 && pending.length > 0 ? { ids: [...pending], ...(cut ? { afterCut: true } : {}) } : undefined;
      const scope = new CancellationScope();
      modelCall = { scope, step };
      try {
        const result = await scope.run(() => call(delivery));
        if (delivery) pending.splice(0, delivery.ids.length);
        cut = false;
        return { result };
      } catch (error) {
        // Cut short for a `now` message (the turn itself not stopped): its text is kept and the next step follows.
        if (cut && isCancellation(error) && scope.consideredCancelled && !root.consideredCancelled)
          return { cut: true as const };
        throw error;
      } finally {
        modelCall = undefined;
        nextStep = step + 1;
      }
    },
    hasPending: (): boolean => pending.length > 0,
    /** Accepted and not yet delivered, in order: what a run handing over passes on. */
    pendingIds: (): string[] => [...pending],
    awaitingApproval(waiting: boolean): void {
      if (phase !== 'finishing') phase = waiting ? 'awaiting_approval' : 'running';
    },
    /** No model step starts any more: later messages are refused; pending ones are settled as not delivered. */
    finishing(): void {
      phase = 'finishing';
    },
  };
}
