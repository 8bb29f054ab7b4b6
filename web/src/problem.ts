/** What the page says about a failed request, in the user's terms. */
import { ApiError, isConnectionFailure } from './api-error.ts';
import type { Thread } from './schemas.ts';

const POLICY_TEXT: Record<Thread['doubleTextPolicy'], string> = {
  reject: 'refuses a new message while an answer is running: wait for it to finish or press Stop, then send again',
  enqueue: 'queues a new message until the running answer ends',
  interrupt: 'stops the running answer when a new message arrives',
  steer: 'adds a new message to the running answer',
};

export function describeProblem(error: Error, thread: Thread | undefined): string {
  if (isConnectionFailure(error)) return 'The connection to the server was lost. Reconnecting…';
  if (!(error instanceof ApiError)) return error.message;
  if (error.status === 409 && thread && /running completion|already has/i.test(error.message))
    return `This thread already has an answer running. Its policy (${thread.doubleTextPolicy}) ${POLICY_TEXT[thread.doubleTextPolicy]}. Your message is still in the box.`;
  if (error.status === 429) {
    const wait = error.retryAfterSeconds ?? 60;
    const at = new Date(Date.now() + wait * 1000).toLocaleTimeString();
    return `Too many requests: ${error.message}. Try again in ${wait} s (at ${at}). Your message is still in the box.`;
  }
  return error.message;
}
