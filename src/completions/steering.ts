/**
 * Steering a running answer: a user message added to it, delivered at its next model step. The message is
 * stored (pending) before the workflow is told its id; the model step that receives it moves it to `delivered`
 * and writes it into the transcript at the end of the step before (where ai 7 places a `steering-message` part),
 * so the model reads it as a user message there. A turn that ends before delivering it records it as not
 * delivered, with the reason. Every write moves a message from one status to the next only once, so retried
 * activities deliver, announce and settle it exactly once.
 */
import { createAuditRepo, type AuditEvent } from '../db/audit-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import type { Queryable } from '../db/pool.js';
import { createSteeringRepo, type NewSteeringRow, type SteeringParts, type SteeringRow } from '../db/steering-repo.js';
import { withTransaction } from '../db/transaction.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import type { CallModelInput } from '../workflows/definitions.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';
import { stepMessageId } from './record-step.js';
import type { TurnOutcome } from './end-turn.js';

/** The stored and streamed form of a delivered message (ai 7's `steering-message`), under the client's id. */
export function steeringPart(row: Pick<SteeringRow, 'clientMessageId' | 'parts'>): {
  type: 'steering-message';
  id: string;
  parts: SteeringParts;
} {
  return { type: 'steering-message', id: row.clientMessageId, parts: row.parts };
}

/** The client's view of a message: where it went and, once settled, what became of it. */
export interface SteeringOutcome {
  id: string;
  completionId: string;
  status: SteeringRow['status'];
  mode: SteeringRow['mode'];
  step?: number;
  reason?: string;
}

export function steeringOutcome(row: SteeringRow): SteeringOutcome {
  return {
    id: row.clientMessageId,
    completionId: row.completionId,
    status: row.status,
    mode: row.mode,
    ...(row.deliveredStep !== null ? { step: row.deliveredStep } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
  };
}

function auditOf(
  row: SteeringRow,
  type: Extract<AuditEvent['type'], `steering_${string}`>,
  data: Record<string, unknown>,
  origin: Partial<Origin> = {},
): AuditEvent {
  return {
    key: `${type}:${row.id}`,
    threadId: row.threadId,
    completionId: row.completionId,
    userId: row.userId,
    type,
    actor: row.sender,
    // Ids and sizes only, like every ledger row: the text is in the transcript.
    data: { messageId: row.clientMessageId, mode: row.mode, chars: charsOf(row.parts), ...data },
    ...origin,
  };
}

const charsOf = (parts: SteeringParts) => parts.reduce((sum, part) => sum + part.text.length, 0);

/**
 * A message that could not land and became the next turn (`enqueue` threads), recorded with the turn's opening.
 * False when the thread already has a message of this client id (a resend): nothing is written then.
 */
export async function recordSteeringEnqueued(
  db: Queryable,
  message: Omit<NewSteeringRow, 'status'> & { reason: string },
): Promise<boolean> {
  const { row, inserted } = await createSteeringRepo(db).insert({ ...message, status: 'enqueued' });
  if (inserted) await createAuditRepo(db).append(auditOf(row, 'steering_enqueued', { reason: message.reason }));
  return inserted;
}

/** Stores a message for the running answer, pending until it is delivered; returns the row already there on a resend. */
export function storeSteering(
  db: Queryable,
  message: Omit<NewSteeringRow, 'status'>,
): Promise<{ row: SteeringRow; inserted: boolean }> {
  return createSteeringRepo(db).insert({ ...message, status: 'pending' });
}

/** Takes back a message its answer refused: the workflow never took it, so it was never sent. */
export async function withdrawSteering(db: Queryable, row: SteeringRow): Promise<void> {
  await createSteeringRepo(db).deletePending(row.id);
}

export async function findSteering(db: Queryable, threadId: string, clientMessageId: string) {
  return createSteeringRepo(db).getByClientId(threadId, clientMessageId);
}

/** Records who sent a message the running answer accepted. Idempotent (a resend finds the same row). */
export async function recordSteeringAccepted(db: Queryable, row: SteeringRow, origin: Origin): Promise<void> {
  await createAuditRepo(db).append(auditOf(row, 'steering_received', { status: 'pending' }, origin));
}

/**
 * Delivers the step's messages that are still pending: each becomes `delivered` at this step, is written at the
 * end of the step before, and gets its `steering_delivered` row, in one commit. Returns the chunks that announce
 * what this call delivered (none on a retry of a delivery that committed), to go right before the step's
 * `start-step`: a `finish-step` closing a step that was cut short, then one `steering-message` per message.
 */
export async function deliverSteering(
  { pool }: Pick<LifecycleDeps, 'pool'>,
  origin: Origin,
  step: CallModelInput,
): Promise<UIMessageChunk[]> {
  if (!step.steering || step.step === 0) return [];
  const { ids, afterCut } = step.steering;
  const delivered = await withTransaction(pool, async (client) => {
    const steering = createSteeringRepo(client);
    const messages = createMessagesRepo(client);
    const audit = createAuditRepo(client);
    const rows: SteeringRow[] = [];
    for (const id of ids) {
      const row = await steering.markDelivered(id, step.completionId, step.step);
      if (!row) continue;
      await messages.appendToStep({
        id: stepMessageId(step.completionId, step.step - 1),
        threadId: step.threadId,
        uiMessageId: step.assistantMessageId,
        completionId: step.completionId,
        step: step.step - 1,
        part: steeringPart(row),
      });
      await audit.append(auditOf(row, 'steering_delivered', { step: step.step }, origin));
      rows.push(row);
    }
    return rows;
  });
  if (delivered.length === 0) return [];
  return [
    ...(afterCut ? [{ type: 'finish-step' } as const] : []),
    ...delivered.map((row): UIMessageChunk => steeringPart(row)),
  ];
}

/** Why a turn that ended this way did not deliver what was still pending. */
export function undeliveredReason(outcome: Pick<TurnOutcome, 'status' | 'finishReason'>): string {
  if (outcome.status === 'cancelled') return 'stopped';
  if (outcome.status === 'failed') return 'failed';
  if (outcome.finishReason === 'max-steps') return 'max_steps';
  if (outcome.finishReason === 'max-time') return 'max_time';
  return 'answer_ended';
}

/**
 * A turn's end settles the messages it never delivered as `not_delivered`, each with its ledger row. Runs in the
 * transaction that records the end, so a reader who sees the turn ended sees them settled.
 */
export async function settleUndeliveredSteering(
  db: Queryable,
  end: { completionId: string } & Pick<TurnOutcome, 'status' | 'finishReason'>,
  origin: Origin,
): Promise<void> {
  const reason = undeliveredReason(end);
  const audit = createAuditRepo(db);
  for (const row of await createSteeringRepo(db).settleUndelivered(end.completionId, reason)) {
    await audit.append(auditOf(row, 'steering_not_delivered', { reason }, origin));
  }
}
