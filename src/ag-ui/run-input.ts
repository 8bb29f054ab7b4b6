/**
 * Reads an AG-UI `RunAgentInput` as a Longhaul request: first with AG-UI's own schema (a body it refuses is a 400
 * with its message), then with Longhaul's limits on the parts Longhaul uses. As for /api/chat the server's
 * transcript is the truth: of `messages` only the last user message is read, and only when the run is not a
 * resume. `tools`, `context` and `state` are not used (the agent's tools run on the server); `forwardedProps`
 * may choose the `model`, `agent` and `tools` as /api/chat's body does.
 */
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import { z } from 'zod';
import type { UserTurnRequest } from '../completions/open-user-turn.js';
import { digestFromApprovalId } from '../tools/args-digest.js';
import { badRequest } from '../api/app-error.js';
import { parseInput } from '../api/parse-input.js';
import {
  idSchema,
  MAX_AGENT_CHARS,
  MAX_ID_CHARS,
  MAX_MESSAGES,
  MAX_MODEL_CHARS,
  MAX_REASON_CHARS,
  MAX_TOOL_NAME_CHARS,
  MAX_TOOLS,
  MAX_USER_MESSAGE_PARTS,
  safeText,
} from '../api/schemas.js';

const MAX_RESUME_ENTRIES = 100;
const MAX_INTERRUPT_ID_CHARS = 300;
const atMost = (max: number) => `at most ${max} characters`;

const approvalPayloadSchema = z.strictObject({
  approved: z.boolean(),
  reason: safeText().trim().max(MAX_REASON_CHARS, atMost(MAX_REASON_CHARS)).optional(),
});

const resumeEntrySchema = z.looseObject({
  interruptId: safeText()
    .max(MAX_INTERRUPT_ID_CHARS, atMost(MAX_INTERRUPT_ID_CHARS))
    .refine((id) => toolCallOf(id) !== undefined, 'is not an interrupt this server issued'),
  status: z.enum(['resolved', 'cancelled']),
  payload: z.unknown().optional(),
});

/** Longhaul's limits on what it reads of an input AG-UI's schema accepted. */
const longhaulInputSchema = z.looseObject({
  threadId: idSchema,
  runId: safeText().min(1).max(MAX_ID_CHARS, atMost(MAX_ID_CHARS)),
  messages: z.array(z.unknown()).max(MAX_MESSAGES, `at most ${MAX_MESSAGES} messages`),
  forwardedProps: z
    .looseObject({
      model: safeText().max(MAX_MODEL_CHARS, atMost(MAX_MODEL_CHARS)).optional(),
      agent: safeText().max(MAX_AGENT_CHARS, atMost(MAX_AGENT_CHARS)).optional(),
      tools: z
        .array(safeText().max(MAX_TOOL_NAME_CHARS, atMost(MAX_TOOL_NAME_CHARS)))
        .max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`)
        .optional(),
    })
    .nullish(),
  resume: z.array(resumeEntrySchema).max(MAX_RESUME_ENTRIES, `at most ${MAX_RESUME_ENTRIES} entries`).optional(),
});

export interface ApprovalDecision {
  toolCallId: string;
  argsDigest: string;
  approved: boolean;
  reason?: string;
}

export type AgUiRunRequest = {
  threadId: string;
  runId: string;
  /** The ids of the messages the client sent: it has them already, so the run does not stream them back. */
  clientMessageIds: string[];
} & (
  | {
      kind: 'turn';
      userMessage: { uiMessageId: string; parts: { type: 'text'; text: string }[] };
      choices: UserTurnRequest['choices'];
    }
  | { kind: 'resume'; decisions: ApprovalDecision[] }
);

export function parseRunInput(body: unknown, maxMessageChars: number): AgUiRunRequest {
  const input = parseInput(RunAgentInputSchema, body);
  const { threadId, runId, forwardedProps, resume } = parseInput(longhaulInputSchema, input);
  const clientMessageIds = input.messages.map((message) => message.id);
  if (resume && resume.length > 0) {
    return {
      kind: 'resume',
      threadId,
      runId,
      clientMessageIds,
      decisions: resume.map((entry, index) => toDecision(entry, `resume[${index}]`)),
    };
  }
  const index = input.messages.findLastIndex((message) => message.role === 'user');
  const message = input.messages[index];
  if (!message || message.role !== 'user') throw badRequest('messages: must contain the new user message');
  const where = `messages[${index}]`;
  return {
    kind: 'turn',
    threadId,
    runId,
    clientMessageIds,
    userMessage: {
      uiMessageId: parseInput(idSchema, message.id, `${where}.id`),
      parts: parseUserContent(message.content, `${where}.content`, maxMessageChars).map((text) => ({
        type: 'text' as const,
        text,
      })),
    },
    choices: {
      ...(forwardedProps?.model ? { model: forwardedProps.model } : {}),
      ...(forwardedProps?.agent ? { agent: forwardedProps.agent } : {}),
      ...(forwardedProps?.tools ? { tools: forwardedProps.tools } : {}),
    },
  };
}

/** A user message's content as its texts: a string, or text parts (Longhaul takes no media). */
function parseUserContent(content: unknown, where: string, maxMessageChars: number): string[] {
  const text = safeText().max(maxMessageChars, atMost(maxMessageChars));
  const texts =
    typeof content === 'string'
      ? [parseInput(text, content, where)]
      : parseInput(
          z
            .array(z.looseObject({ type: z.literal('text', { message: 'only text parts are supported' }), text }))
            .min(1, 'must have at least one text part')
            .max(MAX_USER_MESSAGE_PARTS, `at most ${MAX_USER_MESSAGE_PARTS} parts`),
          content,
          where,
        ).map((part) => part.text);
  if (texts.every((part) => part.trim() === '')) throw badRequest(`${where}: message text is empty`);
  return texts;
}

function toDecision(entry: z.infer<typeof resumeEntrySchema>, where: string): ApprovalDecision {
  const { toolCallId, argsDigest } = toolCallOf(entry.interruptId)!;
  if (entry.status === 'cancelled') return { toolCallId, argsDigest, approved: false };
  const payload = parseInput(approvalPayloadSchema, entry.payload, `${where}.payload`);
  return { toolCallId, argsDigest, approved: payload.approved, ...(payload.reason ? { reason: payload.reason } : {}) };
}

/** An interrupt id is the approval id (`<toolCallId>:<argsDigest>`), so a decision is bound to the arguments shown. */
function toolCallOf(interruptId: string): { toolCallId: string; argsDigest: string } | undefined {
  const argsDigest = digestFromApprovalId(interruptId);
  const toolCallId = interruptId.slice(0, interruptId.lastIndexOf(':'));
  return argsDigest && idSchema.safeParse(toolCallId).success ? { toolCallId, argsDigest } : undefined;
}
