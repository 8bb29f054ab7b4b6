/** The shapes the page reads from the API (README, HTTP API), checked at the boundary. */
import { z } from 'zod';

export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const threadSchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  doubleTextPolicy: z.enum(['reject', 'enqueue', 'interrupt', 'steer']),
  agent: z.string().nullable(),
  activeCompletionId: z.string().nullable(),
  updatedAt: z.string(),
});
export type Thread = z.infer<typeof threadSchema>;
export const threadListSchema = z.object({ threads: z.array(threadSchema) });

export const completionSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  model: z.string(),
  agent: z.object({ name: z.string(), version: z.string() }).nullable(),
  status: z.string(),
  assistantMessageId: z.string(),
  workflowId: z.string(),
  finishReason: z.string().nullable(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  supersededAt: z.string().nullable(),
  timing: z.object({
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    firstTokenAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  }),
});
export type Completion = z.infer<typeof completionSchema>;
export const threadDetailSchema = threadSchema.extend({ completions: z.array(completionSchema) });
export type ThreadDetail = z.infer<typeof threadDetailSchema>;

const partSchema = z.looseObject({ type: z.string() });
export const messageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant', 'system']),
  parts: z.array(partSchema),
  metadata: z.unknown().optional(),
});
export const messagesSchema = z.object({ messages: z.array(messageSchema) });

export const agentsSchema = z.object({
  agents: z.array(
    z.object({ name: z.string(), description: z.string(), model: z.string().nullable(), tools: z.array(z.string()) }),
  ),
});
export type Agent = z.infer<typeof agentsSchema>['agents'][number];

export const approvalSchema = z.object({
  toolCallId: z.string(),
  toolName: z.string(),
  args: z.unknown(),
  argsDigest: z.string(),
  threadId: z.string(),
  completionId: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string().nullable(),
});
export type Approval = z.infer<typeof approvalSchema>;
export const approvalsSchema = z.object({ approvals: z.array(approvalSchema) });

export const auditSchema = z.object({
  threadId: z.string(),
  events: z.array(
    z.object({
      id: z.number(),
      type: z.string(),
      actor: z.string(),
      completionId: z.string().nullable(),
      data: z.unknown(),
      workflowId: z.string().nullable(),
      runId: z.string().nullable(),
      createdAt: z.string(),
      temporalUiUrl: z.string().nullable(),
    }),
  ),
});
export type AuditEvent = z.infer<typeof auditSchema>['events'][number];

export const activeCompletionsSchema = z.object({
  completions: z.array(z.looseObject({ threadId: z.string(), status: z.string() })),
});

/** `GET /v1/events` chunks the page reacts to; others are ignored. */
export const userEventSchema = z.union([
  z.object({
    type: z.literal('data-thread_status'),
    data: z.looseObject({ threadId: z.string(), runStatus: z.string() }),
  }),
  z.object({
    type: z.literal('data-approval_status'),
    data: z.looseObject({ toolCallId: z.string().optional(), status: z.string().optional() }),
  }),
  z.object({ type: z.literal('data-events_gap'), data: z.looseObject({}) }),
]);
export type UserEvent = z.infer<typeof userEventSchema>;

export const okSchema = z.unknown();

/** POST /api/chat/:threadId/steer: `pending` once the answer took it; `enqueued` (enqueue threads) as the next turn. */
export const steerOutcomeSchema = z.looseObject({
  id: z.string(),
  completionId: z.string(),
  status: z.string(),
  reason: z.string().optional(),
});
export type SteerOutcome = z.infer<typeof steerOutcomeSchema>;
