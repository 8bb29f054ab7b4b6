/** Request schemas of the HTTP API; the inferred types are what handlers work with. */
import { z } from 'zod';
import { ACTIVE_STATUSES } from '../db/completions-repo.js';

export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_\-:.]+$/, 'may contain only letters, digits, _ - : .');

const MAX_TEXT = 100_000;

export const userTextPartSchema = z.strictObject({
  type: z.literal('text'),
  text: z.string().max(MAX_TEXT, `text parts are limited to ${MAX_TEXT} characters`),
  state: z.enum(['streaming', 'done']).optional(),
  providerMetadata: z.record(z.string(), z.unknown()).optional(),
});

/** Messages in the body are only read for the newest one: earlier ones are the client's copy of our transcript. */
const uiMessageSchema = z.looseObject({
  id: z.string().min(1).max(200),
  role: z.enum(['system', 'user', 'assistant']),
  parts: z.array(z.looseObject({ type: z.string() })).max(1_000),
});

export const chatRequestSchema = z.strictObject({
  id: idSchema,
  messages: z.array(uiMessageSchema).min(1, 'must contain the new user message').max(10_000),
  trigger: z.enum(['submit-message', 'regenerate-message']),
  messageId: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  tools: z.array(z.string().max(64)).max(64).optional(),
  agent: z.string().max(40).optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Regenerate: useChat sends the conversation up to the user message to answer again. */
export const regeneratedMessageSchema = z.looseObject({
  id: z.string().min(1).max(200),
  role: z.literal('user', { message: 'to regenerate, the last message must be the user message to answer again' }),
});

/** A new user message: one or more text parts, not all blank. */
export const newUserMessageSchema = z.object({
  id: z.string().min(1).max(200),
  role: z.literal('user', { message: 'the last message must be the new user message' }),
  parts: z
    .array(userTextPartSchema)
    .min(1, 'must have at least one text part')
    .refine((parts) => parts.some((part) => part.text.trim() !== ''), 'message text is empty'),
});

const doubleTextPolicySchema = z.enum(['reject', 'enqueue', 'interrupt']);

export const createThreadSchema = z.strictObject({
  id: idSchema.optional(),
  title: z.string().trim().max(200).optional(),
  doubleTextPolicy: doubleTextPolicySchema.optional(),
  agent: z.string().max(40).optional(),
});

export const updateThreadSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    doubleTextPolicy: doubleTextPolicySchema.optional(),
    agent: z.string().max(40).optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'nothing to update');

export const createCompletionSchema = z.strictObject({
  threadId: idSchema.optional(),
  message: z.string().max(MAX_TEXT).refine((text) => text.trim() !== '', 'message text is empty'),
  model: z.string().max(200).optional(),
  tools: z.array(z.string().max(64)).max(64).optional(),
  agent: z.string().max(40).optional(),
});

/** A tool part of the client's last assistant message that carries the user's answer to an approval request. */
export const approvalResponsePartSchema = z.looseObject({
  type: z.string().startsWith('tool-'),
  toolCallId: idSchema,
  state: z.literal('approval-responded'),
  approval: z.looseObject({
    id: z.string().max(300),
    approved: z.boolean(),
    reason: z.string().max(1_000).optional(),
  }),
});

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.date().optional(),
});

export const activeQuerySchema = z.object({ status: z.enum(ACTIVE_STATUSES).optional() });

export const lastEventIdSchema = z.coerce.number().int().min(0).default(0);
