import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import type { Script } from '../../src/llm/scripted/script.js';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { defineTool, type ToolDefinition } from '../../src/tools/tool-definition.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';
import { decodeHistory, findMarkers, payloadsAt, type DecodedHistory } from '../support/decoded-history.js';
import { findPendingApproval } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';

/** A durable tool gated by a person whose arguments and output are text, so both can be looked for. */
const stamp = defineTool({
  name: 'stamp',
  description: 'Stamps a label; needs approval.',
  mode: 'durable',
  requiresApproval: true,
  input: z.object({ label: z.string() }),
  async execute(input) {
    return { stamped: input.label };
  },
}) as ToolDefinition;

/**
 * A tool whose first attempt throws an error quoting its input (as a tool's own error text can), and whose second
 * outlives its timeout: Temporal records the first failure with the attempt that follows, and the run ends in the
 * workflow's catch.
 */
const attempts = new Map<string, number>();
const stammer = (name: string, mode: 'inline' | 'durable') =>
  defineTool({
    name,
    description: 'Fails quoting its input, then never answers in time.',
    mode,
    timeoutMs: 1_000,
    retry: { maximumAttempts: 2, initialIntervalMs: 100 },
    input: z.object({ text: z.string() }),
    async execute(input, context) {
      const attempt = (attempts.get(context.toolCallId) ?? 0) + 1;
      attempts.set(context.toolCallId, attempt);
      if (attempt === 1) throw new Error(`cannot say ${input.text}`);
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
      return { late: true };
    },
  }) as ToolDefinition;

/**
 * Answers in JSON whose keys are the model's own (a record, a strict object): a schema problem that names the
 * path or the unknown key quotes the model's text.
 */
const tally = defineAgent({
  name: 'tally',
  version: '1',
  description: 'Answers with scores by name (structured output).',
  tools: [],
  output: z.object({ scores: z.record(z.string(), z.number()), meta: z.strictObject({ note: z.string() }) }),
  systemPrompt: () => 'Answer with JSON only.',
});

const mark = (name: string) => `${name}${randomUUID().replace(/-/g, '').slice(0, 10)}`;

interface Run {
  chatId: string;
  /** Longhaul's id of the thread: what Temporal is told (the chat id is the client's, unique per user only). */
  threadId: string;
  completionId: string;
  /** The completion's history and those of every child it started (tool calls, sub-agents), by workflow id. */
  histories: Map<string, DecodedHistory>;
}

/** Fetches a finished workflow's history and, recursively, its children's, every payload decoded. */
async function decodedHistories(
  h: Harness,
  workflowId: string,
  into = new Map<string, DecodedHistory>(),
  { fails = false } = {},
) {
  const handle = h.temporal.workflow.getHandle(workflowId);
  if (fails) await expect(handle.result()).rejects.toThrow();
  else await handle.result();
  const history = await handle.fetchHistory();
  into.set(workflowId, decodeHistory(history));
  for (const event of history.events ?? []) {
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (child) await decodedHistories(h, child, into);
  }
  return into;
}

/** Runs one turn to its end (approving every call that asks), then reads the histories it left. */
async function runTurn(
  h: Harness,
  turn: {
    text: string;
    scripts: Script[];
    tools?: string[];
    agent?: string;
    model?: string;
    approve?: boolean;
    /** The approver's free-text reason, sent with the approval. */
    reason?: string;
    fails?: boolean;
  },
): Promise<Run> {
  h.model.enqueue(...turn.scripts);
  const chatId = `chat-${randomUUID()}`;
  const response = await postChat(h, {
    id: chatId,
    trigger: 'submit-message',
    messages: [userMessage(turn.text)],
    ...(turn.tools ? { tools: turn.tools } : {}),
    ...(turn.agent ? { agent: turn.agent } : {}),
    ...(turn.model ? { model: turn.model } : {}),
  });
  const completionId = response.headers.get('x-longhaul-completion-id')!;
  await response.text();
  if (turn.approve) {
    const approval = await findPendingApproval(h, chatId);
    const decided = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        decision: 'approve',
        argsDigest: approval.argsDigest,
        ...(turn.reason ? { reason: turn.reason } : {}),
      }),
    });
    expect(decided.status, JSON.stringify(await readJson(decided.clone()))).toBe(200);
  }
  const { rows } = await h.pool.query(`SELECT id FROM threads WHERE client_id = $1 AND user_id = $2`, [
    chatId,
    h.userId,
  ]);
  return {
    chatId,
    threadId: rows[0].id,
    completionId,
    histories: await decodedHistories(h, `completion-${completionId}`, new Map(), { fails: turn.fails }),
  };
}

/** Every place a marker shows up in any of the run's decoded histories. */
function leaksOf(run: Run, markers: string[]): string[] {
  return [...run.histories].flatMap(([workflowId, decoded]) =>
    findMarkers(decoded, markers).map((leak) => `${workflowId} ${leak}`),
  );
}

/** Proves the decoder reached these places: a search that finds nothing must have looked. */
function expectDecoded(decoded: DecodedHistory | undefined, paths: RegExp[]) {
  expect(decoded).toBeDefined();
  for (const path of paths) expect(payloadsAt(decoded!, path), `a decoded payload at ${path}`).not.toHaveLength(0);
}

describe('completion workflow histories', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      {},
      {
        tools: [...createTestTools().definitions, stamp, stammer('stammer', 'inline'), stammer('stutter', 'durable')],
        agents: [tally],
      },
    );
  });
  afterAll(() => h?.close());

  it('hold no user or model text after decoding every payload: a plain turn', async () => {
    const user = mark('USERPLAIN');
    const answer = mark('MODELPLAIN');
    const run = await runTurn(h, {
      text: `Tell me about ${user}, please`,
      scripts: [{ kind: 'text', chunks: [`${answer} `, 'is the answer.'] }],
    });

    const root = run.histories.get(`completion-${run.completionId}`);
    expectDecoded(root, [
      /workflowExecutionStartedEventAttributes\.input\.payloads\[0\]$/,
      /workflowExecutionStartedEventAttributes\.memo\.fields\./,
      /workflowExecutionStartedEventAttributes\.searchAttributes\.indexedFields\./,
      /events\[0\]\.userMetadata\.summary$/,
      /activityTaskScheduledEventAttributes\.input\.payloads\[0\]$/,
      /activityTaskCompletedEventAttributes\.result\.payloads\[0\]$/,
      /markerRecordedEventAttributes\.details\./,
      /upsertWorkflowSearchAttributesEventAttributes\.searchAttributes\.indexedFields\./,
      /workflowExecutionCompletedEventAttributes\.result\.payloads\[0\]$/,
    ]);
    // Decoding works: the ids are there to read.
    expect(payloadsAt(root!, /workflowExecutionStartedEventAttributes\.memo\.fields\.threadId$/)).toEqual([
      run.threadId,
    ]);
    expect(payloadsAt(root!, /workflowExecutionStartedEventAttributes\.input\.payloads\[0\]$/)).toEqual([
      expect.objectContaining({ completionId: run.completionId, threadId: run.threadId }),
    ]);
    expect(leaksOf(run, [user, answer])).toEqual([]);
  });

  it('hold no model text after decoding every payload: an answer with reasoning', async () => {
    const reasoning = mark('REASONING');
    const answer = mark('MODELREASONED');
    const run = await runTurn(h, {
      text: 'Think first',
      model: 'anthropic:claude-test',
      scripts: [{ kind: 'text', reasoning: [`${reasoning} `, 'so'], chunks: [`${answer} `, 'is it.'] }],
    });
    const { rows } = await h.pool.query(`SELECT parts FROM messages WHERE completion_id = $1`, [run.completionId]);
    expect(JSON.stringify(rows), 'the reasoning was kept').toContain(reasoning);
    expect(leaksOf(run, [reasoning, answer])).toEqual([]);
  });

  it('hold no user or model text after decoding every payload: a tool turn with an approval', async () => {
    const user = mark('USERTOOL');
    const args = mark('ARGTOOL');
    const answer = mark('MODELTOOL');
    const why = mark('REASON');
    const run = await runTurn(h, {
      text: `Stamp ${user} for me`,
      tools: ['stamp', 'echo'],
      approve: true,
      reason: `fine by me, ${why}`,
      scripts: [
        {
          kind: 'tool-calls',
          text: [`Stamping ${answer}-before.`],
          calls: [
            { name: 'echo', argsChunks: [JSON.stringify({ text: `inline ${args}` })] },
            { name: 'stamp', argsChunks: [JSON.stringify({ label: `durable ${args}` })] },
          ],
        },
        { kind: 'text', chunks: [`Stamped: ${answer}.`] },
      ],
    });

    const root = run.histories.get(`completion-${run.completionId}`);
    expectDecoded(root, [
      /startChildWorkflowExecutionInitiatedEventAttributes\.input\.payloads\[0\]$/,
      /childWorkflowExecutionCompletedEventAttributes\.result\.payloads\[0\]$/,
      /startChildWorkflowExecutionInitiatedEventAttributes\.userMetadata\.summary$|events\[\d+\]\.userMetadata\.summary$/,
    ]);
    const child = [...run.histories].find(([id]) => id.startsWith('tool-'))?.[1];
    expectDecoded(child, [
      /workflowExecutionStartedEventAttributes\.input\.payloads\[0\]$/,
      /workflowExecutionUpdateAcceptedEventAttributes\.acceptedRequest\.input\.args\.payloads\[0\]$/,
      /workflowExecutionUpdateCompletedEventAttributes\.outcome\.success\.payloads\[0\]$/,
      /activityTaskScheduledEventAttributes\.input\.payloads\[0\]$/,
      /workflowExecutionCompletedEventAttributes\.result\.payloads\[0\]$/,
    ]);
    // The tool ran on its stored arguments: the text exists, just not in history.
    const { rows } = await h.pool.query(
      `SELECT result, decision_reason FROM tool_executions WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1) AND tool_name = 'stamp'`,
      [run.chatId],
    );
    expect(rows[0].result).toEqual({ kind: 'completed', output: { stamped: `durable ${args}` } });
    // So did the approver's reason: stored with the decision, not sent through history.
    expect(rows[0].decision_reason).toBe(`fine by me, ${why}`);
    expect(leaksOf(run, [user, args, answer, why])).toEqual([]);
  });

  it('hold no user or model text after decoding every payload: a research sub-agent turn', async () => {
    const user = mark('USERRESEARCH');
    const question = mark('QUESTION');
    const subAnswer = mark('SUBMODEL');
    const answer = mark('MODELRESEARCH');
    const run = await runTurn(h, {
      text: `Research ${user}`,
      agent: 'researcher',
      scripts: [
        {
          kind: 'tool-calls',
          calls: [{ name: 'research', argsChunks: [JSON.stringify({ question: `What is ${question}?` })] }],
        },
        { kind: 'text', chunks: [`It is ${subAnswer}.`] },
        { kind: 'text', chunks: [`The sub-agent says ${answer}.`] },
      ],
    });

    const subagent = [...run.histories].find(
      ([id]) => id.startsWith('completion-') && id !== `completion-${run.completionId}`,
    );
    expect(subagent, 'the sub-agent completion history').toBeDefined();
    expectDecoded(subagent![1], [
      /workflowExecutionStartedEventAttributes\.input\.payloads\[0\]$/,
      /activityTaskScheduledEventAttributes\.input\.payloads\[0\]$/,
      /workflowExecutionCompletedEventAttributes\.result\.payloads\[0\]$/,
    ]);
    expect(run.histories.size).toBe(3);
    expect(leaksOf(run, [user, question, subAnswer, answer])).toEqual([]);
  });

  it('hold no model text after decoding every payload: a structured answer that is repaired', async () => {
    const user = mark('USERREPAIR');
    // JSON.parse quotes about ten characters around where it stopped: a short marker where it stops.
    const broken = mark('J').slice(0, 9);
    const run = await runTurn(h, {
      text: `Score ${user}`,
      agent: 'tally',
      scripts: [
        { kind: 'text', chunks: [`${broken} is not JSON`] },
        { kind: 'text', chunks: [JSON.stringify({ scores: { a: 1 }, meta: { note: 'ok' } })] },
      ],
    });
    // The repair prompt still reads the detailed problem: from Postgres, not from history.
    const repairRequest = JSON.stringify(h.model.requests.at(-1)!.body);
    expect(repairRequest).toContain('Your answer was rejected: the answer is not valid JSON (');
    expect(leaksOf(run, [user, broken])).toEqual([]);
  });

  it('hold no model text after decoding every payload: a structured answer that fails', async () => {
    const key = mark('MODELKEY');
    const extra = mark('MODELEXTRA');
    const run = await runTurn(h, {
      text: 'Score them',
      agent: 'tally',
      fails: true,
      scripts: [
        { kind: 'text', chunks: [JSON.stringify({ scores: { [key]: 'high' }, meta: { note: 'x', [extra]: 1 } })] },
        { kind: 'text', chunks: [JSON.stringify({ scores: { [key]: 'low' }, meta: { note: 'x', [extra]: 2 } })] },
      ],
    });
    const root = run.histories.get(`completion-${run.completionId}`);
    const failure = root!.strings.find(({ path }) =>
      /workflowExecutionFailedEventAttributes\.failure\.message$/.test(path),
    );
    expect(failure?.text).toMatch(/^invalid_output: the answer does not match the schema/);
    const { rows } = await h.pool.query(`SELECT parts FROM messages WHERE completion_id = $1 AND role = 'assistant'`, [
      run.completionId,
    ]);
    // The detail the repair needs is kept, in Postgres.
    expect(JSON.stringify(rows)).toContain(key);
    expect(leaksOf(run, [key, extra])).toEqual([]);
  });

  it('hold no tool error text after decoding every payload: tools that throw, then time out', async () => {
    const inline = mark('INLINEERR');
    const durable = mark('DURABLEERR');
    const run = await runTurn(h, {
      text: 'Say them',
      tools: ['stammer', 'stutter'],
      scripts: [
        {
          kind: 'tool-calls',
          calls: [
            { name: 'stammer', argsChunks: [JSON.stringify({ text: inline })] },
            { name: 'stutter', argsChunks: [JSON.stringify({ text: durable })] },
          ],
        },
        { kind: 'text', chunks: ['Neither answered.'] },
      ],
    });
    expect(
      [...run.histories.keys()].some((id) => id.startsWith('tool-')),
      'the durable call ran as a child',
    ).toBe(true);
    const { rows: calls } = await h.pool.query(
      `SELECT tool_name, result FROM tool_executions WHERE completion_id = $1 ORDER BY tool_name`,
      [run.completionId],
    );
    expect(calls.map((c: { result: unknown }) => c.result)).toEqual([
      { kind: 'failed', message: expect.stringMatching(/^stammer did not finish/) },
      { kind: 'failed', message: expect.stringMatching(/^stutter did not finish/) },
    ]);
    expect(leaksOf(run, [inline, durable])).toEqual([]);
    // Each attempt's own error text is kept, in the audit ledger.
    const { rows: failures } = await h.pool.query(
      `SELECT data FROM audit_events WHERE completion_id = $1 AND type = 'tool_attempt_failed' ORDER BY data->>'toolName'`,
      [run.completionId],
    );
    expect(failures.map((f: { data: unknown }) => f.data)).toEqual([
      expect.objectContaining({ toolName: 'stammer', attempt: 1, message: `stammer failed: cannot say ${inline}` }),
      expect.objectContaining({ toolName: 'stutter', attempt: 1, message: `stutter failed: cannot say ${durable}` }),
    ]);
  });

  it('hold no user text after decoding every payload: a steered turn (ids only in the update and the model call)', async () => {
    const user = mark('USERSTEERED');
    const steered = mark('STEERTEXT');
    const answer = mark('MODELSTEERED');
    h.model.enqueue(
      { kind: 'text', chunks: Array.from({ length: 30 }, (_, i) => `${answer}${i} `), delayMs: 100 },
      { kind: 'text', chunks: [`Heard ${answer}.`] },
    );
    const chatId = `chat-${randomUUID()}`;
    const before = h.model.requests.length;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage(user)] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const reading = response.text();
    await h.model.waitForRequests(before + 1);
    const sent = await h.api(`/api/chat/${chatId}/steer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'steer-h', parts: [{ type: 'text', text: steered }], mode: 'now' }),
    });
    expect(sent.status).toBe(202);
    await reading;
    const histories = await decodedHistories(h, `completion-${completionId}`);
    const root = histories.get(`completion-${completionId}`)!;
    const { rows } = await h.pool.query(`SELECT id FROM steering_messages WHERE completion_id = $1`, [completionId]);
    expect(
      payloadsAt(root, /workflowExecutionUpdateAcceptedEventAttributes\.acceptedRequest\.input\.args\.payloads\[0\]$/),
    ).toEqual([{ steeringId: rows[0].id, mode: 'now' }]);
    expect(payloadsAt(root, /activityTaskScheduledEventAttributes\.input\.payloads\[0\]$/)).toContainEqual(
      expect.objectContaining({ step: 1, steering: { ids: [rows[0].id], afterCut: true } }),
    );
    const run: Run = { chatId, threadId: '', completionId, histories };
    expect(leaksOf(run, [user, steered, answer])).toEqual([]);
  });

  it('does not grow with the answer', async () => {
    const run = async (tokens: number) =>
      runTurn(h, {
        text: 'count',
        scripts: [{ kind: 'text', chunks: Array.from({ length: tokens }, (_, i) => `w${i} `) }],
      });
    const sizeOf = async (r: Run) => {
      const history = await h.temporal.workflow.getHandle(`completion-${r.completionId}`).fetchHistory();
      return { events: history.events?.length ?? 0, bytes: JSON.stringify(history).length };
    };
    const short = await sizeOf(await run(3));
    const long = await sizeOf(await run(400));
    expect(long.events).toBe(short.events);
    expect(Math.abs(long.bytes - short.bytes)).toBeLessThan(2_000);
  });

  it('is listed in Temporal with its search attributes, final status and an id-only summary', async () => {
    const run = await runTurn(h, { text: 'attributes please', scripts: [{ kind: 'text', chunks: ['ok'] }] });
    const handle = h.temporal.workflow.getHandle(`completion-${run.completionId}`);
    const description = await handle.describe();
    const attributes = Object.fromEntries(
      description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]),
    );
    // LonghaulStatus is the status while the run is open; how it ended is Temporal's own ExecutionStatus, so the
    // run writes no closing status (a visibility write per turn) and upserts search attributes once, its patch id.
    expect(attributes).toMatchObject({
      LonghaulThreadId: run.threadId,
      LonghaulUserId: h.userId,
      LonghaulModel: 'openai:gpt-test',
      LonghaulStatus: 'running',
    });
    expect(description.status.name).toBe('COMPLETED');
    const upserts = (await handle.fetchHistory()).events!.filter(
      (event) => event.upsertWorkflowSearchAttributesEventAttributes,
    );
    expect(
      upserts.map((event) =>
        Object.keys(event.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!),
      ),
    ).toEqual([['TemporalChangeVersion']]);
    expect(description.memo).toEqual({ threadId: run.threadId });
    expect(await description.staticSummary()).toBe(`completion ${run.completionId} (openai:gpt-test)`);
  });
});

describe('LONGHAUL_MEMO_THREAD_TITLE', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_MEMO_THREAD_TITLE: 'true' });
  });
  afterAll(() => h?.close());

  it('puts the thread title in the memo when an operator opts in', async () => {
    const text = `Opted-in title ${'x'.repeat(100)}`;
    const run = await runTurn(h, { text, scripts: [{ kind: 'text', chunks: ['ok'] }] });
    const description = await h.temporal.workflow.getHandle(`completion-${run.completionId}`).describe();
    expect(description.memo).toEqual({ threadId: run.threadId, threadTitle: text.slice(0, 80) });
    expect(await description.staticSummary()).toBe(`completion ${run.completionId} (openai:gpt-test)`);
  });

  it('accepts true or false only', () => {
    expect(parseConfig({}).LONGHAUL_MEMO_THREAD_TITLE).toBe(false);
    expect(parseConfig({ LONGHAUL_MEMO_THREAD_TITLE: 'false' }).LONGHAUL_MEMO_THREAD_TITLE).toBe(false);
    expect(() => parseConfig({ LONGHAUL_MEMO_THREAD_TITLE: 'yes' })).toThrow(ConfigError);
  });
});

describe('a completion that continues as new', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_STEPS_PER_RUN: '2' }, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  it('hold no user or model text in any of its runs: the next run gets counters and ids only', async () => {
    const user = mark('USERLONG');
    const args = mark('ARGLONG');
    const answer = mark('MODELLONG');
    h.model.enqueue(
      ...Array.from({ length: 5 }, (_, i): Script => ({
        kind: 'tool-calls',
        text: [`${answer} step ${i}`],
        calls: [{ name: 'echo', argsChunks: [JSON.stringify({ text: `${args} ${i}` })] }],
      })),
      { kind: 'text', chunks: [`Done ${answer}.`] },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage(`Echo ${user} five times`)],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await response.text();
    const workflowId = `completion-${completionId}`;
    await h.temporal.workflow.getHandle(workflowId).result();

    const runIds: string[] = [];
    for await (const execution of h.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      runIds.unshift(execution.runId);
    expect(runIds).toHaveLength(3);
    const runs = await Promise.all(
      runIds.map(async (runId) => decodeHistory(await h.temporal.workflow.getHandle(workflowId, runId).fetchHistory())),
    );
    const handedOver = /workflowExecutionContinuedAsNewEventAttributes\.input\.payloads\[0\]$/;
    expectDecoded(runs[0], [handedOver]);
    expectDecoded(runs[1], [handedOver, /workflowExecutionStartedEventAttributes\.input\.payloads\[0\]$/]);
    expect(payloadsAt(runs[0]!, handedOver)).toEqual([
      expect.objectContaining({
        completionId,
        continued: { step: 2, startedAt: expect.any(Number), repaired: false, steering: [], runs: 1 },
      }),
    ]);
    expect(payloadsAt(runs[1]!, handedOver)).toEqual([
      expect.objectContaining({ continued: expect.objectContaining({ step: 4, runs: 2 }) }),
    ]);
    const leaks = runs.flatMap((decoded, i) =>
      findMarkers(decoded, [user, args, answer]).map((leak) => `run ${i + 1} ${leak}`),
    );
    expect(leaks).toEqual([]);
  });
});
