/** How an AG-UI RunAgentInput reads as a Longhaul request: a new turn, or decisions on pending approvals. */
import { describe, expect, it } from 'vitest';
import { parseRunInput } from '../../src/ag-ui/run-input.js';
import { AppError } from '../../src/api/app-error.js';

const digest = 'b'.repeat(64);
const base = { threadId: 'thread-1', runId: 'run-1', messages: [] as unknown[] };

function refusal(body: unknown): string {
  try {
    parseRunInput(body, 1_000);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    return (error as AppError).message;
  }
  throw new Error('accepted');
}

describe('parseRunInput', () => {
  it('reads the last user message as the new turn, string or text parts, with the choices in forwardedProps', () => {
    const request = parseRunInput(
      {
        ...base,
        messages: [
          { id: 'u-1', role: 'user', content: 'old' },
          { id: 'a-1', role: 'assistant', content: 'answer' },
          {
            id: 'u-2',
            role: 'user',
            content: [
              { type: 'text', text: 'new' },
              { type: 'text', text: 'words' },
            ],
          },
          { id: 'x-1', role: 'activity', activityType: 'longhaul.subagent', content: {} },
        ],
        forwardedProps: { model: 'openai:gpt-test', tools: ['echo'], somethingElse: true },
      },
      1_000,
    );
    expect(request).toEqual({
      kind: 'turn',
      threadId: 'thread-1',
      runId: 'run-1',
      clientMessageIds: ['u-1', 'a-1', 'u-2', 'x-1'],
      userMessage: {
        uiMessageId: 'u-2',
        parts: [
          { type: 'text', text: 'new' },
          { type: 'text', text: 'words' },
        ],
      },
      choices: { model: 'openai:gpt-test', tools: ['echo'] },
    });
  });

  it('reads resume entries as decisions bound to the arguments the approval id names', () => {
    const request = parseRunInput(
      {
        ...base,
        messages: [{ id: 'u-1', role: 'user', content: 'not read on a resume' }],
        resume: [
          { interruptId: `tc_a_0_0:${digest}`, status: 'resolved', payload: { approved: true } },
          { interruptId: `tc_a_0_1:${digest}`, status: 'resolved', payload: { approved: false, reason: ' no ' } },
          { interruptId: `tc_a_0_2:${digest}`, status: 'cancelled' },
        ],
      },
      1_000,
    );
    expect(request).toEqual({
      kind: 'resume',
      threadId: 'thread-1',
      runId: 'run-1',
      clientMessageIds: ['u-1'],
      decisions: [
        { toolCallId: 'tc_a_0_0', argsDigest: digest, approved: true },
        { toolCallId: 'tc_a_0_1', argsDigest: digest, approved: false, reason: 'no' },
        { toolCallId: 'tc_a_0_2', argsDigest: digest, approved: false },
      ],
    });
  });

  it('refuses, naming the field, what it cannot take', () => {
    expect(refusal({ ...base, runId: 7 })).toBe('runId: Invalid input: expected string, received number');
    expect(refusal({ ...base, threadId: '..' })).toContain('threadId: must not consist of dots only');
    expect(refusal({ ...base, messages: [{ id: 'u-1', role: 'user', content: '  ' }] })).toBe(
      'messages[0].content: message text is empty',
    );
    expect(refusal({ ...base, messages: [{ id: 'u-1', role: 'user', content: 'x'.repeat(1_001) }] })).toBe(
      'messages[0].content: at most 1000 characters',
    );
    expect(
      refusal({ ...base, resume: [{ interruptId: `tc_a_0_0:${digest}`, status: 'resolved', payload: 'yes' }] }),
    ).toContain('resume[0].payload');
    expect(refusal({ ...base, resume: [{ interruptId: `../x:${digest}`, status: 'cancelled' }] })).toBe(
      'resume[0].interruptId: is not an interrupt this server issued',
    );
  });
});
