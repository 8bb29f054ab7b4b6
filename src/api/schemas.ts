/**
 * Request schemas of the HTTP API; the inferred types are what handlers work with. Every string a request carries
 * is a `safeText()`, and every field has a size: what passes here can be stored, so a bad request is a 400 naming
 * its field, never a 500 from Postgres halfway through a write.
 */
import { z } from 'zod';
import { ACTIVE_STATUSES } from '../db/completions-repo.js';
import { STEERING_MODES } from '../db/steering-repo.js';
import { DOUBLE_TEXT_POLICIES } from '../db/threads-repo.js';

export const MAX_ID_CHARS = 128;
export const MAX_TITLE_CHARS = 200;
/** Parts of the new user message; earlier messages are ours (steps, tool calls), so they may have more. */
export const MAX_USER_MESSAGE_PARTS = 100;
export const MAX_MESSAGE_PARTS = 1_000;
export const MAX_MESSAGES = 10_000;
export const MAX_TOOLS = 64;
export const MAX_TOOL_NAME_CHARS = 64;
export const MAX_MODEL_CHARS = 200;
export const MAX_AGENT_CHARS = 40;
export const MAX_REASON_CHARS = 1_000;
const MAX_PART_TYPE_CHARS = 100;
const MAX_APPROVAL_ID_CHARS = 300;

const atMost = (max: number) => `at most ${max} characters`;
/** With the u flag a pair is one code point, so only a surrogate without its partner matches. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * A string Postgres can store: no NUL (text and jsonb refuse it) and no unpaired UTF-16 surrogate (jsonb refuses
 * its escape; text would silently turn it into U+FFFD). JSON.parse produces both from `\u0000` and `\ud800`.
 */
export function safeText() {
  return z
    .string()
    .refine((value) => !value.includes('\u0000'), 'must not contain a NUL character')
    .refine((value) => !LONE_SURROGATE.test(value), 'must not contain an unpaired UTF-16 surrogate');
}

/**
 * Client-chosen ids (threads, messages, tool calls). useChat's generateId makes 16 alphanumerics, ours are
 * `prefix_base64url`; `:` and `.` are allowed for ids of other clients (e.g. `m-0.42`), but not an id of dots
 * only, which would be a `.`/`..` segment in the URLs that name it.
 */
export const idSchema = safeText()
  .min(1)
  .max(MAX_ID_CHARS, atMost(MAX_ID_CHARS))
  .regex(/^[A-Za-z0-9_\-:.]+$/, 'may contain only letters, digits, _ - : .')
  .refine((id) => !/^\.+$/.test(id), 'must not consist of dots only');

const modelSchema = safeText().max(MAX_MODEL_CHARS, atMost(MAX_MODEL_CHARS));
const agentSchema = safeText().max(MAX_AGENT_CHARS, atMost(MAX_AGENT_CHARS));
const toolsSchema = z
  .array(safeText().max(MAX_TOOL_NAME_CHARS, atMost(MAX_TOOL_NAME_CHARS)))
  .max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`);
const titleSchema = safeText().trim().max(MAX_TITLE_CHARS, atMost(MAX_TITLE_CHARS));
const reasonSchema = safeText().trim().max(MAX_REASON_CHARS, atMost(MAX_REASON_CHARS));

/**
 * Messages in the body are only read for the newest one: earlier ones are the client's copy of our transcript.
 * Their text is still checked, so a NUL anywhere is refused by the same rule and named by its place.
 */
const uiMessageSchema = z.looseObject({
  id: idSchema,
  role: z.enum(['system', 'user', 'assistant']),
  parts: z
    .array(
      z.looseObject({
        type: safeText().max(MAX_PART_TYPE_CHARS, atMost(MAX_PART_TYPE_CHARS)),
        text: safeText().optional(),
      }),
    )
    .max(MAX_MESSAGE_PARTS, `at most ${MAX_MESSAGE_PARTS} parts`),
});

export const chatRequestSchema = z.strictObject({
  id: idSchema,
  messages: z
    .array(uiMessageSchema)
    .min(1, 'must contain the new user message')
    .max(MAX_MESSAGES, `at most ${MAX_MESSAGES} messages`),
  trigger: z.enum(['submit-message', 'regenerate-message']),
  messageId: idSchema.optional(),
  model: modelSchema.optional(),
  tools: toolsSchema.optional(),
  agent: agentSchema.optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Regenerate: useChat sends the conversation up to the user message to answer again. */
export const regeneratedMessageSchema = z.looseObject({
  id: idSchema,
  role: z.literal('user', { message: 'to regenerate, the last message must be the user message to answer again' }),
});

/** The schemas of message text, whose length an operator sets (LONGHAUL_MAX_MESSAGE_CHARS). */
export function messageSchemas(maxMessageChars: number) {
  const messageText = safeText().max(maxMessageChars, atMost(maxMessageChars));
  const userTextPartSchema = z.strictObject({
    type: z.literal('text'),
    text: messageText,
    state: z.enum(['streaming', 'done']).optional(),
    providerMetadata: z.record(safeText(), z.unknown()).optional(),
  });
  return {
    /** A new user message: one or more text parts, not all blank. */
    newUserMessageSchema: z.object({
      id: idSchema,
      role: z.literal('user', { message: 'the last message must be the new user message' }),
      parts: z
        .array(userTextPartSchema)
        .min(1, 'must have at least one text part')
        .max(MAX_USER_MESSAGE_PARTS, `at most ${MAX_USER_MESSAGE_PARTS} parts`)
        .refine((parts) => parts.some((part) => part.text.trim() !== ''), 'message text is empty'),
    }),
    /** POST /api/chat/:threadId/steer: a message for the running answer, under an id of the client's. */
    steerRequestSchema: z.strictObject({
      id: idSchema,
      parts: z
        .array(z.strictObject({ type: z.literal('text'), text: messageText }))
        .min(1, 'must have at least one text part')
        .max(MAX_USER_MESSAGE_PARTS, `at most ${MAX_USER_MESSAGE_PARTS} parts`)
        .refine((parts) => parts.some((part) => part.text.trim() !== ''), 'message text is empty'),
      mode: z.enum(STEERING_MODES).default('next-step'),
    }),
    createCompletionSchema: z.strictObject({
      threadId: idSchema.optional(),
      message: messageText.refine((text) => text.trim() !== '', 'message text is empty'),
      model: modelSchema.optional(),
      tools: toolsSchema.optional(),
      agent: agentSchema.optional(),
    }),
  };
}

const MAX_CRON_CHARS = 200;
const MAX_TIMEZONE_CHARS = 64;
/** A year: Temporal takes longer intervals, but a schedule that rarely runs is a cron's job. */
const MAX_INTERVAL_SECONDS = 366 * 24 * 60 * 60;

/** Whether the runtime knows the IANA zone; Temporal's own zone database checks it again when it is created. */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** POST /v1/schedules: the message, the agent, and either a cron or an interval no shorter than the minimum. */
export function scheduleSchemas(maxMessageChars: number, minIntervalSeconds: number) {
  return {
    createScheduleSchema: z
      .strictObject({
        agent: agentSchema,
        message: safeText()
          .max(maxMessageChars, atMost(maxMessageChars))
          .refine((text) => text.trim() !== '', 'message text is empty'),
        threadId: idSchema.optional(),
        cron: safeText().trim().min(1, 'must not be empty').max(MAX_CRON_CHARS, atMost(MAX_CRON_CHARS)).optional(),
        intervalSeconds: z
          .number()
          .int()
          .min(
            minIntervalSeconds,
            `must be at least ${minIntervalSeconds} seconds (LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS)`,
          )
          .max(MAX_INTERVAL_SECONDS, `at most ${MAX_INTERVAL_SECONDS} seconds`)
          .optional(),
        timezone: safeText()
          .max(MAX_TIMEZONE_CHARS, atMost(MAX_TIMEZONE_CHARS))
          .refine(isTimeZone, 'must be an IANA time zone name, e.g. Europe/Paris')
          .optional(),
      })
      .refine((body) => (body.cron === undefined) !== (body.intervalSeconds === undefined), {
        message: 'give exactly one of cron and intervalSeconds',
      }),
  };
}

const doubleTextPolicySchema = z.enum(DOUBLE_TEXT_POLICIES);

export const createThreadSchema = z.strictObject({
  id: idSchema.optional(),
  title: titleSchema.optional(),
  doubleTextPolicy: doubleTextPolicySchema.optional(),
  agent: agentSchema.optional(),
});

export const updateThreadSchema = z
  .strictObject({
    title: titleSchema.min(1).optional(),
    doubleTextPolicy: doubleTextPolicySchema.optional(),
    agent: agentSchema.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'nothing to update');

/** A decision on a pending tool call (POST /v1/approvals/:toolCallId). */
export const approvalDecisionSchema = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  reason: reasonSchema.optional(),
  argsDigest: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex argsDigest from the inbox'),
});

/** A tool part of the client's last assistant message that carries the user's answer to an approval request. */
export const approvalResponsePartSchema = z.looseObject({
  type: z.string().startsWith('tool-'),
  toolCallId: idSchema,
  state: z.literal('approval-responded'),
  approval: z.looseObject({
    id: safeText().max(MAX_APPROVAL_ID_CHARS, atMost(MAX_APPROVAL_ID_CHARS)),
    approved: z.boolean(),
    reason: reasonSchema.optional(),
  }),
});

/**
 * One query parameter: a string, so a repeated one (which Koa hands over as an array) is refused here as well as
 * by the `plainUrl` middleware.
 */
const queryValue = safeText().max(100, atMost(100));

export const listQuerySchema = z.object({
  limit: queryValue.pipe(z.coerce.number<string>().int().min(1).max(200)).default(50),
  before: queryValue.pipe(z.coerce.date()).optional(),
});

export const activeQuerySchema = z.object({ status: queryValue.pipe(z.enum(ACTIVE_STATUSES)).optional() });

export const approvalListQuerySchema = z.object({ status: queryValue.pipe(z.literal('pending')).default('pending') });

export const lastEventIdSchema = queryValue.pipe(z.coerce.number<string>().int().min(0)).default(0);
