/**
 * Workflow-safe contracts shared by the API, the worker and the workflows: inputs, search attributes, names.
 * Imports nothing with I/O, so workflow code may import it.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

export const THREAD_ID_ATTRIBUTE = defineSearchAttributeKey('LonghaulThreadId', 'KEYWORD');
export const USER_ID_ATTRIBUTE = defineSearchAttributeKey('LonghaulUserId', 'KEYWORD');
export const MODEL_ATTRIBUTE = defineSearchAttributeKey('LonghaulModel', 'KEYWORD');
export const STATUS_ATTRIBUTE = defineSearchAttributeKey('LonghaulStatus', 'KEYWORD');

export const SEARCH_ATTRIBUTE_NAMES = ['LonghaulThreadId', 'LonghaulUserId', 'LonghaulModel', 'LonghaulStatus'] as const;

export interface CompletionLimits {
  maxSteps: number;
  maxOutputTokens: number;
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
}

export interface CompletionResult {
  completionId: string;
  status: 'completed' | 'failed' | 'cancelled';
  steps: number;
  finishReason: string;
}

export function completionWorkflowId(completionId: string): string {
  return `completion-${completionId}`;
}
