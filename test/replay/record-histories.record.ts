/**
 * Recorder for test/replay/histories (run by `npm run histories:record`, never by `npm test`: its name does not
 * match the normal `*.test.ts` include). Each scenario runs one workflow shape for real through the HTTP API,
 * on the in-process harness with the scripted model server, then writes the closed runs' histories exactly as
 * Temporal returns them (`historyToJSON`, the format of `temporal workflow show -o json`).
 *
 * Each scenario also checks that it staged what its name says (final status, the activities that ran), so a
 * drifted scenario fails here instead of committing a history of some other shape.
 */
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// Not re-exported from the package root; proto-utils is the SDK's documented home of the JSON converters.
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { approvalDecisionSignal } from '../../src/workflows/definitions.js';
import type { Script } from '../../src/llm/scripted/script.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import {
  EXPECTED_HISTORY_FILES,
  HISTORIES_DIR,
  historyFileName,
  recordedHistoryFiles,
  type HistoryKind,
  type Scenario,
} from './history-files.js';

/**
 * A 2,000-token window with 200 kept for the answer, as test/context/compaction.test.ts stages it, but for this
 * agent alone: every other scenario runs in the default window of the shared harness.
 */
const smallWindowAgent = defineAgent({
  name: 'small_window',
  version: '1',
  description: 'An agent whose context window three long messages overflow.',
  tools: [],
  systemPrompt: () => 'You are the Longhaul test agent.',
  limits: { maxOutputTokens: 200 },
  context: { windowTokens: 2_000, reserveTokens: 200 },
});

/** A user message of about 600 tokens: three of them do not fit in the small window. */
const longMessage = (name: string) => `${name} ${'the quick brown fox jumps over the lazy dog '.repeat(66)}`;

describe('record workflow histories', () => {
  let h: Harness;
  const written = new Set<string>();

  beforeAll(async () => {
    // Heartbeats at most every 4 s (80% of the model call's heartbeat timeout): a stopped model call then
    // waits long enough for Temporal's cancellation that a worker shutdown reliably comes first.
    h = await startHarness(
      { LONGHAUL_HEARTBEAT_THROTTLE_MS: '60000' },
      { tools: createTestTools({ shortExpiryMs: 1_500 }).definitions, agents: [smallWindowAgent] },
    );
  });
  afterEach(() => h.model.reset());
  afterAll(() => h?.close());

  /** Starts one turn through POST /api/chat; the caller reads (or holds) the response body. */
  async function startTurn(
    scripts: Script[],
    options: { tools?: string[]; threadId?: string; text?: string; agent?: string } = {},
  ) {
    h.model.enqueue(...scripts);
    const threadId = options.threadId ?? `rec-${randomUUID().slice(0, 8)}`;
    const response = await postChat(h, {
      id: threadId,
      trigger: 'submit-message',
      messages: [userMessage(options.text ?? 'hello')],
      // Explicit, so each activity input in history lists only the tools the scenario uses.
      tools: options.tools ?? [],
      ...(options.agent ? { agent: options.agent } : {}),
    });
    expect(response.status).toBe(200);
    return { threadId, response, completionId: response.headers.get('x-longhaul-completion-id')! };
  }

  async function pendingApproval(threadId: string) {
    const { approvals } = await readJson(await h.api('/v1/approvals?status=pending'));
    const approval = approvals.find((a: { threadId: string }) => a.threadId === threadId);
    expect(approval, 'a pending approval for the thread').toBeDefined();
    return approval as { toolCallId: string; argsDigest: string };
  }

  const decide = (toolCallId: string, body: unknown) =>
    h.api(`/v1/approvals/${toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function onlyToolCallId(completionId: string): Promise<string> {
    const { rows } = await h.pool.query(`SELECT id FROM tool_executions WHERE completion_id = $1`, [completionId]);
    expect(rows).toHaveLength(1);
    return rows[0].id as string;
  }

  /** Histories of the scenario running now; written only once all its checks have passed. */
  let staged = new Map<string, History>();

  /** Declares one scenario: `body` stages a shape, records its runs and checks them; then its files are written. */
  function scenario(name: Scenario, title: string, body: () => Promise<void>) {
    it(`${name}: ${title}`, async () => {
      staged = new Map();
      await body();
      for (const [file, history] of staged) {
        writeFileSync(join(HISTORIES_DIR, file), toHistoryFile(history));
        written.add(file);
      }
    });
  }

  /**
   * Waits for the run to close with `status` and stages its history; returns it for the scenario's checks. Without
   * `runId`, the workflow's latest run.
   */
  async function record(
    scenario: Scenario,
    kind: HistoryKind,
    workflowId: string,
    status: string,
    runId?: string,
  ): Promise<History> {
    const handle = h.temporal.workflow.getHandle(workflowId, runId);
    await waitFor(async () => (await handle.describe()).status.name !== 'RUNNING', 30_000, `${workflowId} closed`);
    expect((await handle.describe()).status.name, `${scenario} ${kind} status`).toBe(status);
    const history = await handle.fetchHistory();
    staged.set(historyFileName(scenario, kind), history);
    return history;
  }

  const recordCompletion = (scenario: Scenario, completionId: string, status = 'COMPLETED') =>
    record(scenario, 'completion', `completion-${completionId}`, status);
  const recordTool = (scenario: Scenario, toolCallId: string, status = 'COMPLETED') =>
    record(scenario, 'tool', `tool-${toolCallId}`, status);

  const scheduled = (history: History) =>
    (history.events ?? []).flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
  const count = (history: History, activity: string) => scheduled(history).filter((name) => name === activity).length;
  /** The ids of the run's `patched()` markers, in the order it recorded them. */
  const patches = (history: History) =>
    (history.events ?? []).flatMap((e) => {
      const marker = e.markerRecordedEventAttributes;
      const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : null;
      return data ? [patchDataSchema.parse(JSON.parse(Buffer.from(data).toString('utf8'))).id] : [];
    });
  const eventKinds = (history: History) =>
    (history.events ?? []).flatMap((e) =>
      Object.keys(e).filter((key) => key.endsWith('EventAttributes') && e[key as keyof typeof e]),
    );

  scenario('plain-completion', 'one model call, text answer', async () => {
    const turn = await startTurn([{ kind: 'text', chunks: ['Hello ', 'there.'] }]);
    await readValidatedChunks(turn.response);
    const history = await recordCompletion('plain-completion', turn.completionId);
    expect(count(history, 'callModel')).toBe(1);
    expect(count(history, 'runTool')).toBe(0);
  });

  scenario(
    'inline-tools',
    'three steps with inline tools, invalid arguments, an unknown and a throwing tool',
    async () => {
      const turn = await startTurn(
        [
          {
            kind: 'tool-calls',
            calls: [
              { name: 'echo', argsChunks: ['{"text":"hi"}'] },
              { name: 'echo', argsChunks: ['{"text":', '42}'] },
              { name: 'teleport', argsChunks: ['{}'] },
            ],
          },
          { kind: 'tool-calls', calls: [{ name: 'explode', argsChunks: ['{}'] }] },
          { kind: 'text', chunks: ['Some tools failed.'] },
        ],
        { tools: ['echo', 'explode'] },
      );
      await readValidatedChunks(turn.response);
      const history = await recordCompletion('inline-tools', turn.completionId);
      // Step 1 runs the valid echo (the invalid and unknown calls are settled by callModel), step 2 the explode.
      expect(count(history, 'callModel')).toBe(3);
      expect(count(history, 'runTool')).toBe(2);
      expect(eventKinds(history)).not.toContain('startChildWorkflowExecutionInitiatedEventAttributes');
      const { rows } = await h.pool.query(`SELECT status FROM tool_executions WHERE completion_id = $1`, [
        turn.completionId,
      ]);
      expect(rows.map((r) => r.status as string).sort()).toEqual(['completed', 'failed', 'invalid', 'not_found']);
    },
  );

  scenario('durable-tool', 'a durable child that needs no approval', async () => {
    const turn = await startTurn(
      [
        { kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":0}'] }] },
        { kind: 'text', chunks: ['Nothing moved.'] },
      ],
      { tools: ['transfer'] },
    );
    await readValidatedChunks(turn.response);
    const history = await recordCompletion('durable-tool', turn.completionId);
    expect(scheduled(history)).toContain('endToolStep');
    const tool = await recordTool('durable-tool', await onlyToolCallId(turn.completionId));
    expect(scheduled(tool)).toContain('runTool');
    expect(scheduled(tool)).not.toContain('recordApprovalDecision');
  });

  /** A `transfer` awaiting approval, decided by `decideWith`; records both runs. */
  async function approvalScenario(
    scenario: Scenario,
    decideWith: (approval: { toolCallId: string; argsDigest: string }) => Promise<void>,
  ) {
    const turn = await startTurn(
      [
        { kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":25}'] }] },
        { kind: 'text', chunks: ['Done.'] },
      ],
      { tools: ['transfer'] },
    );
    const chunks = await readValidatedChunks(turn.response);
    expect(chunks.map((c) => c.type)).toContain('tool-approval-request');
    const approval = await pendingApproval(turn.threadId);
    await decideWith(approval);
    const completion = await recordCompletion(scenario, turn.completionId);
    expect(scheduled(completion)).toEqual(expect.arrayContaining(['requestApprovals', 'resumeAfterApprovals']));
    return { completion, tool: await recordTool(scenario, approval.toolCallId) };
  }

  scenario('approval-approved', 'approved through POST /v1/approvals/:id (the decide update)', async () => {
    const { tool } = await approvalScenario('approval-approved', async (approval) => {
      const response = await decide(approval.toolCallId, {
        decision: 'approve',
        argsDigest: approval.argsDigest,
        reason: 'ok',
      });
      expect(response.status).toBe(200);
    });
    expect(eventKinds(tool)).toContain('workflowExecutionUpdateCompletedEventAttributes');
    expect(scheduled(tool)).toEqual(expect.arrayContaining(['recordApprovalDecision', 'runTool']));
  });

  scenario('approval-denied', 'denied through POST /v1/approvals/:id', async () => {
    const { tool } = await approvalScenario('approval-denied', async (approval) => {
      const response = await decide(approval.toolCallId, {
        decision: 'deny',
        argsDigest: approval.argsDigest,
        reason: 'no',
      });
      expect(response.status).toBe(200);
    });
    expect(scheduled(tool)).toContain('recordApprovalDecision');
    expect(scheduled(tool)).not.toContain('runTool');
  });

  scenario('approval-signalled', 'approved by an operator with the approvalDecision signal', async () => {
    const { tool } = await approvalScenario('approval-signalled', async (approval) => {
      await h.temporal.workflow.getHandle(`tool-${approval.toolCallId}`).signal(approvalDecisionSignal, {
        approved: true,
        approver: h.userId,
        reason: 'operator',
        argsDigest: approval.argsDigest,
      });
    });
    expect(eventKinds(tool)).toContain('workflowExecutionSignaledEventAttributes');
    expect(eventKinds(tool)).toContain('markerRecordedEventAttributes');
    expect(scheduled(tool)).toEqual(expect.arrayContaining(['recordApprovalDecision', 'runTool']));
  });

  scenario(
    'approval-signal-without-digest',
    'a signal without argsDigest is ignored, then the API decides',
    async () => {
      const { tool } = await approvalScenario('approval-signal-without-digest', async (approval) => {
        const handle = h.temporal.workflow.getHandle(`tool-${approval.toolCallId}`);
        await handle.signal(approvalDecisionSignal, { approved: true, approver: h.userId, reason: 'operator' });
        // Decide only once the worker has handled the signal, so the history holds the ignored signal first.
        await waitFor(async () => {
          const events = (await handle.fetchHistory()).events ?? [];
          const signalled = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
          return signalled >= 0 && events.slice(signalled).some((e) => e.workflowTaskCompletedEventAttributes);
        });
        const response = await decide(approval.toolCallId, { decision: 'approve', argsDigest: approval.argsDigest });
        expect(response.status).toBe(200);
      });
      expect(eventKinds(tool)).toEqual(
        expect.arrayContaining([
          'workflowExecutionSignaledEventAttributes',
          'markerRecordedEventAttributes',
          'workflowExecutionUpdateCompletedEventAttributes',
        ]),
      );
      expect(count(tool, 'recordApprovalDecision')).toBe(1);
      expect(scheduled(tool)).toContain('runTool');
    },
  );

  scenario('approval-expired', 'nobody answers before the approval timer fires', async () => {
    const turn = await startTurn(
      [
        { kind: 'tool-calls', calls: [{ name: 'hasty_approval', argsChunks: ['{}'] }] },
        { kind: 'text', chunks: ['Nobody answered.'] },
      ],
      { tools: ['hasty_approval'] },
    );
    await readValidatedChunks(turn.response);
    const toolCallId = await onlyToolCallId(turn.completionId);
    await recordCompletion('approval-expired', turn.completionId);
    const tool = await recordTool('approval-expired', toolCallId);
    expect(eventKinds(tool)).toContain('timerFiredEventAttributes');
    expect(scheduled(tool)).not.toContain('runTool');
  });

  scenario('cancelled-streaming', 'cancelled while the model is streaming', async () => {
    const turn = await startTurn([
      { kind: 'text', chunks: Array.from({ length: 40 }, (_, i) => `word${i} `), delayMs: 150 },
    ]);
    const reader = turn.response.body!.getReader();
    const decoder = new TextDecoder();
    let raw = '';
    while (!raw.includes('"text-delta"')) raw += decoder.decode((await reader.read()).value, { stream: true });
    const cancel = await h.api(`/v1/completions/${turn.completionId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    while (!(await reader.read()).done);
    const history = await recordCompletion('cancelled-streaming', turn.completionId, 'CANCELLED');
    expect(eventKinds(history)).toContain('activityTaskCancelRequestedEventAttributes');
    expect(eventKinds(history)).toContain('activityTaskCanceledEventAttributes');
  });

  scenario('cancelled-awaiting-approval', 'cancelled while a child waits for a decision', async () => {
    const turn = await startTurn(
      [{ kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":5}'] }] }],
      {
        tools: ['transfer'],
      },
    );
    await readValidatedChunks(turn.response);
    const approval = await pendingApproval(turn.threadId);
    const cancel = await h.api(`/v1/completions/${turn.completionId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const history = await recordCompletion('cancelled-awaiting-approval', turn.completionId, 'CANCELLED');
    expect(eventKinds(history)).toContain('requestCancelExternalWorkflowExecutionInitiatedEventAttributes');
    await recordTool('cancelled-awaiting-approval', approval.toolCallId, 'CANCELLED');
  });

  scenario(
    'stopped-worker-shutdown',
    'stopped while streaming, then the worker shuts down before Temporal confirms',
    async () => {
      const turn = await startTurn([
        { kind: 'text', chunks: Array.from({ length: 40 }, (_, i) => `word${i} `), delayMs: 150 },
      ]);
      const reader = turn.response.body!.getReader();
      const decoder = new TextDecoder();
      let raw = '';
      while (!raw.includes('"text-delta"')) raw += decoder.decode((await reader.read()).value, { stream: true });
      expect((await h.api(`/v1/completions/${turn.completionId}/cancel`, { method: 'POST' })).status).toBe(202);
      while (!(await reader.read()).done);
      await h.stopWorker();
      await h.startWorker();
      const history = await recordCompletion('stopped-worker-shutdown', turn.completionId, 'CANCELLED');
      // The shutdown failed the model call instead of cancelling it; the run still ends cancelled.
      expect(eventKinds(history)).toContain('activityTaskFailedEventAttributes');
      expect(eventKinds(history)).not.toContain('activityTaskCanceledEventAttributes');
    },
  );

  scenario('retried-model-call', 'the first model call fails with a 500 and its retry answers', async () => {
    const turn = await startTurn([
      { kind: 'http-error', status: 500 },
      { kind: 'text', chunks: ['Second time lucky.'] },
    ]);
    await readValidatedChunks(turn.response);
    const history = await recordCompletion('retried-model-call', turn.completionId);
    const attempts = (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : [],
    );
    expect(attempts).toContain(2);
  });

  scenario('failed-model-call', 'the provider rejects the call (401) and the completion fails', async () => {
    const turn = await startTurn([{ kind: 'http-error', status: 401, message: 'Incorrect API key provided' }]);
    await readValidatedChunks(turn.response);
    const history = await recordCompletion('failed-model-call', turn.completionId, 'FAILED');
    expect(eventKinds(history)).toContain('activityTaskFailedEventAttributes');
  });

  scenario('background-tool', 'an abandoned child answers `pending` and delivers its result later', async () => {
    const turn = await startTurn(
      [
        { kind: 'tool-calls', calls: [{ name: 'slow_report', argsChunks: ['{"topic":"tides"}'] }] },
        { kind: 'text', chunks: ['I started the report.'] },
      ],
      { tools: ['slow_report'] },
    );
    await readValidatedChunks(turn.response);
    const toolCallId = await onlyToolCallId(turn.completionId);
    const completion = await recordCompletion('background-tool', turn.completionId);
    expect(scheduled(completion)).toContain('recordPendingResult');
    const tool = await recordTool('background-tool', toolCallId);
    expect(scheduled(tool)).toEqual(expect.arrayContaining(['runTool', 'deliverBackgroundResult']));
  });

  scenario('double-text-enqueued', 'a second message on an `enqueue` thread waits for its turn', async () => {
    const created = await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ doubleTextPolicy: 'enqueue' }),
    });
    expect(created.status).toBe(201);
    const threadId = (await readJson(created)).id as string;
    const first = await startTurn(
      [
        { kind: 'text', chunks: Array.from({ length: 8 }, (_, i) => `a${i} `), delayMs: 60 },
        { kind: 'text', chunks: ['second answer'] },
      ],
      { threadId, text: 'first' },
    );
    const second = await postChat(h, {
      id: threadId,
      trigger: 'submit-message',
      messages: [userMessage('second')],
      tools: [],
    });
    expect(second.status).toBe(200);
    const secondId = second.headers.get('x-longhaul-completion-id')!;
    await Promise.all([readValidatedChunks(first.response), readValidatedChunks(second)]);
    const history = await recordCompletion('double-text-enqueued', secondId);
    expect(scheduled(history)[0]).toBe('waitForTurn');
  });

  scenario('structured-output-repaired', 'a structured answer fails validation once and is repaired', async () => {
    const turn = await startTurn(
      [
        { kind: 'text', chunks: ['{"verdict":"maybe"}'] },
        { kind: 'text', chunks: [JSON.stringify({ verdict: 'approve', summary: 'Fine.', issues: [] })] },
      ],
      { agent: 'reviewer' },
    );
    await readValidatedChunks(turn.response);
    const history = await recordCompletion('structured-output-repaired', turn.completionId);
    expect(count(history, 'callModel')).toBe(2);
  });

  scenario('research-subagent', 'a research tool call answered by a sub-agent completion', async () => {
    const turn = await startTurn(
      [
        { kind: 'tool-calls', calls: [{ name: 'research', argsChunks: ['{"question":"Why is the sky blue?"}'] }] },
        { kind: 'text', chunks: ['Rayleigh scattering.'] },
        { kind: 'text', chunks: ['Because of Rayleigh scattering.'] },
      ],
      { agent: 'researcher', tools: ['research'] },
    );
    await readValidatedChunks(turn.response);
    await recordCompletion('research-subagent', turn.completionId);
    const toolCallId = await onlyToolCallId(turn.completionId);
    await recordTool('research-subagent', toolCallId);
    const { rows } = await h.pool.query(`SELECT id FROM completions WHERE parent_completion_id = $1`, [
      turn.completionId,
    ]);
    await record('research-subagent', 'subagent', `completion-${rows[0].id}`, 'COMPLETED');
  });

  scenario(
    'steered',
    'a step cut short by a `now` message, a tool step, and a message taken at the next step',
    async () => {
      const steer = (threadId: string, id: string, mode: 'now' | 'next-step') =>
        h.api(`/api/chat/${threadId}/steer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, parts: [{ type: 'text', text: `steering ${id}` }], mode }),
        });
      const before = h.model.requests.length;
      const turn = await startTurn(
        [
          { kind: 'text', chunks: Array.from({ length: 80 }, (_, i) => `w${i} `), delayMs: 100 },
          {
            kind: 'tool-calls',
            text: Array.from({ length: 20 }, (_, i) => `t${i} `),
            calls: [{ name: 'echo', argsChunks: ['{"text":"hi"}'] }],
            delayMs: 100,
          },
          { kind: 'text', chunks: ['Steered.'] },
        ],
        { tools: ['echo'] },
      );
      const reading = readValidatedChunks(turn.response);
      await h.model.waitForRequests(before + 1, 10_000);
      expect((await steer(turn.threadId, 'cut', 'now')).status).toBe(202);
      await h.model.waitForRequests(before + 2, 20_000);
      expect((await steer(turn.threadId, 'next', 'next-step')).status).toBe(202);
      const chunks = await reading;
      expect(chunks.filter((c) => c.type === 'steering-message')).toHaveLength(2);
      const history = await recordCompletion('steered', turn.completionId);
      expect(count(history, 'callModel')).toBe(3);
      expect(eventKinds(history)).toEqual(
        expect.arrayContaining([
          'workflowExecutionUpdateAcceptedEventAttributes',
          'activityTaskCancelRequestedEventAttributes',
          'markerRecordedEventAttributes',
        ]),
      );
    },
  );

  scenario(
    'context-compacted',
    'the third long message overflows the agent’s small window: compaction, then the call again',
    async () => {
      const threadId = `rec-${randomUUID().slice(0, 8)}`;
      const onThread = (name: string) => ({ threadId, agent: smallWindowAgent.name, text: longMessage(name) });
      for (const [name, answer] of [
        ['T1', 'First answer.'],
        ['T2', 'Second answer.'],
      ] as const) {
        const earlier = await startTurn([{ kind: 'text', chunks: [answer] }], onThread(name));
        await readValidatedChunks(earlier.response);
        await h.temporal.workflow.getHandle(`completion-${earlier.completionId}`).result();
      }
      const turn = await startTurn(
        [
          { kind: 'text', chunks: ['Summary: the user sent notes.'] },
          { kind: 'text', chunks: ['Third answer.'] },
        ],
        onThread('T3'),
      );
      await readValidatedChunks(turn.response);
      const history = await recordCompletion('context-compacted', turn.completionId);
      expect(scheduled(history)).toEqual(['callModel', 'compactContext', 'callModel']);
      expect(patches(history)).toContain('context-compaction');
    },
  );

  scenario('scheduled-run', 'a schedule triggered on demand runs its agent once', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['Scheduled answer.'] });
    // A daily cron: the only run is the one triggered here.
    const created = await h.api('/v1/schedules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'tester', message: 'hello', cron: '0 8 * * *' }),
    });
    expect(created.status).toBe(201);
    const scheduleId = (await readJson(created)).id as string;
    try {
      expect((await h.api(`/v1/schedules/${scheduleId}/trigger`, { method: 'POST' })).status).toBe(202);
      const recentRuns = async () =>
        (await readJson(await h.api(`/v1/schedules/${scheduleId}`))).recentRuns as { workflowId: string }[];
      await waitFor(async () => (await recentRuns()).length === 1, 15_000, 'the triggered run');
      const [run] = await recentRuns();
      const history = await record('scheduled-run', 'scheduled', run!.workflowId, 'COMPLETED');
      expect(scheduled(history)).toEqual(['openScheduledTurn']);
      const child = (history.events ?? []).flatMap((e) => {
        const started = e.startChildWorkflowExecutionInitiatedEventAttributes;
        return started ? [started] : [];
      });
      expect(child.map((started) => started.workflowType?.name)).toEqual(['completionWorkflow']);
      const completion = await record('scheduled-run', 'completion', child[0]!.workflowId!, 'COMPLETED');
      expect(count(completion, 'callModel')).toBe(1);
    } finally {
      expect((await h.api(`/v1/schedules/${scheduleId}`, { method: 'DELETE' })).status).toBe(204);
    }
  });

  scenario('continued-as-new', 'a run hands the completion over after its share of steps', async () => {
    // Its own harness: a hand-over after every step would change the shape of every other scenario.
    const oneStepPerRun = await startHarness({ LONGHAUL_STEPS_PER_RUN: '1' }, { tools: createTestTools().definitions });
    try {
      oneStepPerRun.model.enqueue(
        { kind: 'tool-calls', calls: [{ name: 'echo', argsChunks: ['{"text":"hi"}'] }] },
        { kind: 'text', chunks: ['Handed over.'] },
      );
      const response = await postChat(oneStepPerRun, {
        id: `rec-${randomUUID().slice(0, 8)}`,
        trigger: 'submit-message',
        messages: [userMessage('hello')],
        tools: ['echo'],
      });
      expect(response.status).toBe(200);
      const completionId = response.headers.get('x-longhaul-completion-id')!;
      await readValidatedChunks(response);
      const workflowId = `completion-${completionId}`;
      await h.temporal.workflow.getHandle(workflowId).result();
      const last = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
      const started = last.events?.[0]?.workflowExecutionStartedEventAttributes;
      const firstRunId = started?.firstExecutionRunId;
      expect(started?.continuedExecutionRunId, 'the last run continues the first').toBe(firstRunId);
      const history = await record('continued-as-new', 'completion', workflowId, 'CONTINUED_AS_NEW', firstRunId!);
      expect(count(history, 'callModel')).toBe(1);
      expect(count(history, 'runTool')).toBe(1);
      expect(patches(history)).toContain('continue-as-new');
      expect(eventKinds(history).at(-1)).toBe('workflowExecutionContinuedAsNewEventAttributes');
    } finally {
      await oneStepPerRun.close();
    }
  });

  it('leaves exactly the expected files, removing histories of scenarios that no longer exist', () => {
    // Only after a full, successful recording: a partial run must not delete what it did not rewrite.
    expect([...written].sort()).toEqual(EXPECTED_HISTORY_FILES);
    for (const file of recordedHistoryFiles()) {
      if (!written.has(file)) rmSync(join(HISTORIES_DIR, file));
    }
    expect(recordedHistoryFiles()).toEqual(EXPECTED_HISTORY_FILES);
  });
});

const patchDataSchema = z.object({ id: z.string() });

/**
 * `historyToJSON` (the proto JSON of `temporal workflow show -o json`, what `historyFromJSON` reads), laid out
 * one event per line: a third smaller than its indented form, and a re-recording diffs event by event.
 */
function toHistoryFile(history: History): string {
  const { events } = JSON.parse(historyToJSON(history)) as { events: unknown[] };
  return `{"events":[\n${events.map((event) => JSON.stringify(event)).join(',\n')}\n]}\n`;
}
