/**
 * Workflow-safe contracts shared by the API, the worker and the workflows: inputs, search attributes, names.
 * Imports nothing with I/O, so workflow code may import it.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FinishReason, Usage } from '../llm/types.js';
import type { ToolMode, ToolRetryPolicy } from '../tools/tool-definition.js';

export const THREAD_ID_ATTRIBUTE = defineSearchAttributeKey('LonghaulThreadId', 'KEYWORD');
export const USER_ID_ATTRIBUTE = defineSearchAttributeKey('LonghaulUserId', 'KEYWORD');
export const MODEL_ATTRIBUTE = defineSearchAttributeKey('LonghaulModel', 'KEYWORD');
export const STATUS_ATTRIBUTE = defineSearchAttributeKey('LonghaulStatus', 'KEYWORD');

export const AGENT_ATTRIBUTE = defineSearchAttributeKey('LonghaulAgent', 'KEYWORD');

export interface CompletionLimits {
  maxSteps: number;
  maxOutputTokens: number;
  /** Input + output tokens over all attempts of all steps; 0 = unlimited. */
  tokenBudget?: number;
  /** No new model call starts after this long (workflow time since the turn began); absent = unlimited. */
  wallTimeMs?: number;
  /**
   * Model steps one workflow run takes before it continues as new (sooner when Temporal suggests it); absent in
   * runs started before long runs existed, which never hand over.
   */
  stepsPerRun?: number;
}

/**
 * What a completion's next run needs to carry on where the last one handed over (continue-as-new): counters and
 * ids only, the transcript stays in Postgres.
 */
export interface ContinuedRun {
  /** The next model step. */
  step: number;
  /** Workflow time the turn began, for its wall-time limit. */
  startedAt: number;
  /** The structured-output repair attempt was spent. */
  repaired: boolean;
  /** Steering messages accepted and not delivered yet, in order. */
  steering: string[];
  /** How many runs came before this one. */
  runs: number;
}

/** One input object, so fields can be added without breaking recorded histories. Ids only: no transcript. */
export interface CompletionInput {
  completionId: string;
  threadId: string;
  userId: string;
  /** `provider:model`, validated by the API before the workflow starts. */
  model: string;
  /** The UI message id this turn's chunks carry in `start.messageId`. */
  assistantMessageId: string;
  limits: CompletionLimits;
  /** Names of the tools this completion may call (the agent's, narrowed by the request). */
  tools?: string[];
  /** The agent this turn runs as; absent in runs started before agents existed. */
  agent?: { name: string; version: string };
  /** Set when the agent answers with structured output: the final text must parse into its schema. */
  structuredOutput?: boolean;
  /** Set for a research sub-agent: where its progress is shown and whose budget it spends. */
  parent?: { completionId: string; toolCallId: string; rootCompletionId: string; depth: number };
  /** An earlier completion of the thread that must end before this one starts (double texting). */
  afterCompletionId?: string;
  /** Set in a run that an earlier run of the same completion handed over to (continue-as-new). */
  continued?: ContinuedRun;
  /** Set when a schedule started the turn, not a person: the agent's prompt is told so. */
  scheduleId?: string;
}

/** Input of a durable tool call's child workflow: ids, the argument digest and the policy, never the arguments. */
export interface ToolCallInput {
  toolCallId: string;
  toolName: string;
  completionId: string;
  threadId: string;
  userId: string;
  argsDigest: string;
  mode: 'durable' | 'background';
  requiresApproval: boolean;
  approvalExpiryMs: number;
  timeoutMs: number;
  retry: { maximumAttempts: number; initialIntervalMs: number; maximumIntervalMs: number };
  /** Users besides the thread's owner who may decide. */
  allowedApprovers?: string[];
  /** Set when the call is answered by a sub-agent (a child completion) running as this agent. */
  subagent?: string;
  /** The calling completion's place in its sub-agent tree, and the budget its sub-agents share. */
  rootCompletionId?: string;
  depth?: number;
  tokenBudget?: number;
}

export interface ApprovalDecision {
  approved: boolean;
  reason?: string;
  /**
   * Who decided: the user the API authenticated. In a signal it is only what the sender claims (Temporal does not
   * say who signalled), recorded as `claimedApprover` beside the approver `operator`.
   */
  approver?: string;
  /** The digest of the arguments the decider saw; must equal the call's. A signal without it is ignored. */
  argsDigest?: string;
}

export interface ToolCallOutcome {
  toolCallId: string;
  kind: 'completed' | 'failed' | 'denied' | 'pending';
}

export function toolCallWorkflowId(toolCallId: string): string {
  return `tool-${toolCallId}`;
}

/**
 * Fire-and-forget decision, usable from the Temporal UI or `temporal workflow signal`. First decision wins. It must
 * carry the call's argsDigest (shown in the call's static details); a signal that cannot be taken is ignored and
 * logged by the worker, since a signal cannot be refused.
 */
export const approvalDecisionSignal = defineSignal<[ApprovalDecision]>('approvalDecision');
/** Validated decision: rejected before it enters history when it is a second one, late, foreign or stale. */
export const decideUpdate = defineUpdate<{ outcome: 'approved' | 'denied'; decidedAt: string }, [ApprovalDecision]>(
  'decide',
);
/** Failure types the decide validator uses; the API maps them to HTTP statuses. */
export const DECISION_REJECTIONS = {
  alreadyDecided: 'AlreadyDecided',
  expired: 'ApprovalExpired',
  notAllowed: 'ApproverNotAllowed',
  argsMismatch: 'ArgsDigestMismatch',
  notRequired: 'ApprovalNotRequired',
} as const;

export interface CompletionResult {
  completionId: string;
  status: 'completed' | 'failed' | 'cancelled';
  steps: number;
  finishReason: string;
}

/**
 * The search attributes a completion starts with; the workflow keeps LonghaulStatus current while it runs (runs
 * since `status-from-execution` leave the closed status to Temporal's ExecutionStatus).
 */
export function completionSearchAttributes(input: CompletionInput, status: 'queued' | 'running') {
  return [
    { key: THREAD_ID_ATTRIBUTE, value: input.threadId },
    { key: USER_ID_ATTRIBUTE, value: input.userId },
    { key: MODEL_ATTRIBUTE, value: input.model },
    { key: STATUS_ATTRIBUTE, value: status },
    { key: AGENT_ATTRIBUTE, value: input.agent?.name ?? '' },
  ];
}

export function completionWorkflowId(completionId: string): string {
  return `completion-${completionId}`;
}

/**
 * What a schedule's runs start with, fixed when the schedule is created: ids only. The message each run sends
 * stays in Postgres (`schedules.message`), read by the run's activity.
 */
export interface ScheduledRunInput {
  scheduleId: string;
  userId: string;
  agent: string;
  /** Longhaul's id of the thread the runs post to; absent: a new thread per run. */
  threadId?: string;
}

export interface ScheduledRunResult {
  scheduleId: string;
  /** The completion the run started; absent when it was skipped. */
  completionId?: string;
  status: CompletionResult['status'] | 'skipped';
  /** Why a run was skipped, as a code (`completion_running`, `schedule_not_found`, ...). */
  reason?: string;
}

/** Temporal adds each run's scheduled time to this id. */
export function scheduledRunWorkflowId(scheduleId: string): string {
  return `scheduled-${scheduleId}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Model calls: what a `callModel` activity takes and returns, the failure types activities and workflows throw,
// and the completion statuses (the LonghaulStatus values). All of it is recorded in workflow histories: rename
// nothing a recorded run carries.
// ---------------------------------------------------------------------------------------------------------------

/** The search attributes a completion carries; their names are registered with Temporal from this list. */
export const SEARCH_ATTRIBUTE_KEYS = [
  THREAD_ID_ATTRIBUTE,
  USER_ID_ATTRIBUTE,
  MODEL_ATTRIBUTE,
  STATUS_ATTRIBUTE,
  AGENT_ATTRIBUTE,
] as const;
export const SEARCH_ATTRIBUTE_NAMES: readonly string[] = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name);

export const COMPLETION_STATUSES = [
  'queued',
  'running',
  'awaiting_approval',
  'completed',
  'cancelled',
  'failed',
] as const;
export type CompletionStatus = (typeof COMPLETION_STATUSES)[number];
/** A completion in one of these has not ended: it holds its thread (double texting) and can be stopped. */
export const ACTIVE_STATUSES: readonly CompletionStatus[] = ['queued', 'running', 'awaiting_approval'];

/**
 * ApplicationFailure types, matched by retry policies (`nonRetryableErrorTypes`), by the workflow's error codes
 * and by the API. The values are recorded in histories; the keys are for code.
 */
export const FAILURE_TYPES = {
  budgetExceeded: 'BudgetExceeded',
  providerRejected: 'ProviderRejected',
  providerUnavailable: 'ProviderUnavailable',
  providerStalled: 'ProviderStalled',
  invalidOutput: 'InvalidOutput',
  stopNotConfirmed: 'StopNotConfirmed',
  completionFailed: 'CompletionFailed',
  toolFailed: 'ToolFailed',
  toolCallMissing: 'ToolCallMissing',
  /** The agent's system prompt and tools alone do not fit in its context window (less the answer's reserve). */
  contextWindowTooSmall: 'ContextWindowTooSmall',
  /** The newest message does not fit in the context window even with everything before it compacted. */
  contextOverflow: 'ContextOverflow',
  ...DECISION_REJECTIONS,
} as const;

/**
 * What a tool call's run that did not finish reads as, in history and to the model: the tool's name and the kind
 * of failure (a timeout, a cancellation, an ApplicationFailure's type), never the error's message, which can
 * quote the tool's arguments or what it fetched. Each attempt's own message is in the audit ledger
 * (`tool_attempt_failed`).
 */
export function toolFailureMessage(toolName: string, error: unknown): string {
  return `${toolName} did not finish (${failureKind(error)})`;
}

function failureKind(error: unknown): string {
  // Duck-typed so this stays importable from activities and workflows alike: ActivityFailure and
  // ChildWorkflowFailure wrap the failure that says what happened.
  let current = error as { name?: unknown; cause?: unknown; type?: unknown; timeoutType?: unknown } | undefined;
  while (
    current &&
    (current.name === 'ActivityFailure' || current.name === 'ChildWorkflowFailure') &&
    typeof current.cause === 'object' &&
    current.cause !== null
  )
    current = current.cause as typeof current;
  if (!current || typeof current !== 'object') return 'error';
  if (current.name === 'TimeoutFailure') return 'timeout';
  if (current.name === 'CancelledFailure') return 'cancelled';
  if (current.name === 'TerminatedFailure') return 'terminated';
  if (current.name === 'ApplicationFailure' && typeof current.type === 'string' && SAFE_KIND.test(current.type))
    return current.type;
  return 'error';
}

/** A failure type or error name as a kind: an identifier, so no text rides along in it. */
export const SAFE_KIND = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Everything the workflow needs to run one tool call, and nothing of its arguments. */
export interface ToolCallPolicy {
  mode: ToolMode;
  requiresApproval: boolean;
  approvalExpiryMs: number;
  timeoutMs: number;
  retry: ToolRetryPolicy;
  subagent?: string;
}

/** A call the workflow must run: its deterministic id, the tool, the argument digest and the policy. */
export interface RunnableToolCall extends ToolCallPolicy {
  id: string;
  name: string;
  argsDigest: string;
}

export interface CallModelInput extends CompletionInput {
  step: number;
  /** The turn's first call also opens it (marks it started, sends `start`), overlapping the request it makes. */
  begin?: boolean;
  /** Steering messages this step receives (delivered once: ids a retry or an earlier step delivered are skipped). */
  steering?: SteeringDelivery;
}

// ---- Steering a running answer (the `steer` update) ----

export const STEERING_MODES = ['next-step', 'now'] as const;
export type SteeringMode = (typeof STEERING_MODES)[number];

/** A user message added to the running answer: its id only, the text stays in Postgres (steering_messages). */
export interface SteerRequest {
  steeringId: string;
  /** `now` cuts the model call in progress short (its text kept); default `next-step`. */
  mode?: SteeringMode;
}

/** What a step is handed to deliver: the accepted messages not yet confirmed delivered, in order. */
export interface SteeringDelivery {
  ids: string[];
  /** The step before was cut short for a `now` message: it is closed first (finish-step). */
  afterCut?: boolean;
}

/** Accepted messages reach the next model step; a refusal is one of STEER_REJECTIONS, before anything enters history. */
export const steerUpdate = defineUpdate<void, [SteerRequest]>('steer');

/** Why the `steer` validator refused; the API answers each with a 409 (or, for `enqueue` threads, the next turn). */
export const STEER_REJECTIONS = {
  queued: 'AnswerQueued',
  awaitingApproval: 'AwaitingApproval',
  finishing: 'AnswerFinishing',
  stopped: 'AnswerStopped',
  stepLimit: 'StepLimitReached',
} as const;

/** What a model call returns into history: ids, digests, policies and counts, never text or arguments. */
export interface StepSummary {
  messageId: string;
  toolCalls: RunnableToolCall[];
  rejectedToolCalls: number;
  usage: Usage | null;
  finishReason: FinishReason;
  /**
   * Structured output only: why the answer did not validate, in words that quote none of the answer (the detail is
   * in the step's `data-invalid_object` part). The next step is the model's repair attempt.
   */
  outputProblem?: string;
  /**
   * Set when nothing was sent because the transcript would not fit in the context window (the other fields are
   * empty): the workflow compacts older turns (`compactContext`) and calls again for the same step.
   */
  compact?: true;
}

/** `compactContext`: the step whose call did not fit, and how many compactions that step already made. */
export interface CompactContextInput extends CompletionInput {
  step: number;
  round: number;
}

// ---- Handing a long turn over to a fresh run (recordHandOver activity) ----

/** Why a run handed over: its share of steps was taken, or Temporal suggested it (history size or events). */
export type HandOverReason = 'steps' | 'suggested';

export interface HandOverInput {
  completionId: string;
  threadId: string;
  userId: string;
  /** The first step the next run takes. */
  step: number;
  /** The next run's number, the first run being 1. */
  run: number;
  reason: HandOverReason;
}

// ---- Ending a turn (finishCompletion activity) ----

/** How the workflow ended its turn; `error` and `errorCode` are set for a failed one. */
export interface FinishCompletionInput extends CompletionInput {
  status: 'completed' | 'failed' | 'cancelled';
  finishReason: string;
  error?: string;
  errorCode?: string;
}

// Inputs of the tool-step activities (approvals, tool results, failures). They enter workflow history: add fields
// as optional, never rename or remove one.

/** `runTool`: one validated call; its arguments are read from Postgres, never from history. */
export interface RunToolInput {
  toolCallId: string;
  completionId: string;
  maxAttempts: number;
  /** Inline calls publish their output at once; durable ones leave it to the completion (it may be resumed later). */
  publishOutput: boolean;
  /** Background calls keep the `pending` part the model saw; their result becomes a message of its own. */
  background?: boolean;
}

/** `recordApprovalDecision`: the tool call's child input plus what became of its approval. */
export interface RecordDecisionInput extends ToolCallInput {
  outcome: 'approved' | 'denied' | 'expired';
  approver: string | null;
  reason: string | null;
  /** Set for a signalled decision (approver `operator`): whom the sender named, a claim nobody verified. */
  claimedApprover?: string | null;
}

/** `requestApprovals`: the step's calls that wait for a person, each with how long it may wait. */
export interface RequestApprovalsInput extends CompletionInput {
  calls: { id: string; expiresInMs: number }[];
}

/** `resumeAfterApprovals`: the step's durable calls, whose outputs the continuation segment shows. */
export interface ResumeAfterApprovalsInput extends CompletionInput {
  toolCallIds: string[];
}

/** `endToolStep`: the step's durable calls, whose outputs close the step. */
export interface EndToolStepInput {
  completionId: string;
  toolCallIds: string[];
}

/** `recordToolFailure`: a call whose activity or child failed outright (timeout, crash). */
export interface RecordToolFailureInput {
  toolCallId: string;
  completionId: string;
  message: string;
  publish: boolean;
  background?: boolean;
}

/** `recordPendingResult`: a background call, answered `pending` until its result lands. */
export interface RecordPendingResultInput {
  toolCallId: string;
  completionId: string;
}
