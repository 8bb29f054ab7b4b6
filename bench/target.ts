/**
 * What the load generator talks to: Longhaul's API or the baseline route. Both take the same useChat request
 * and answer with the same UI message stream, so every phase runs unchanged against either.
 */
/** `longhaul`: API and worker in one process, as `npm start` runs them; `production`: `src/server.ts` + `src/worker.ts`. */
export type SystemName = 'baseline' | 'longhaul' | 'production';

export interface Target {
  name: SystemName;
  /** `http://127.0.0.1:<port>` */
  url: string;
  headers: Record<string, string>;
  /** POST /v1/completions/:id/cancel; resolves with the HTTP status. */
  cancel(completionId: string): Promise<number>;
  /** Ends a stream the bench no longer needs by the system's own means (Longhaul: terminate its workflow). */
  discard(completionId: string): Promise<void>;
}

/** The body of `POST /api/chat`; `tools: []` keeps tool schemas out of the model request. */
export function chatBody(threadId: string, messageId: string, text: string, model: string): string {
  return JSON.stringify({
    id: threadId,
    trigger: 'submit-message',
    messages: [{ id: messageId, role: 'user', parts: [{ type: 'text', text }] }],
    model,
    tools: [],
  });
}
