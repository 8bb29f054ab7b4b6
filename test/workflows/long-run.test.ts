/**
 * Completions of any length: a turn hands over to a fresh workflow run (continue-as-new) every
 * LONGHAUL_STEPS_PER_RUN model steps, and the user sees one answer: one assistant message, one `seq` sequence,
 * resumable across the hand-offs, stoppable and steerable in whichever run is current.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { UIMessage } from 'ai';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { researcherAgent } from '../../src/agents/builtin-agents.js';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { defineTool, type ToolDefinition } from '../../src/tools/tool-definition.js';
import type { Script } from '../../src/llm/scripted/script.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';
import { mark, steer, text } from '../steering/support.js';

const STEPS_PER_RUN = 30;
const STEPS = 300;
/** The steps the 300-step turn hands over at: 30, 60, … 270. */
const HAND_OVERS = Array.from({ length: Math.ceil(STEPS / STEPS_PER_RUN) - 1 }, (_, i) => (i + 1) * STEPS_PER_RUN);

/** The researcher, allowed the long run this file stages (its own default is 200 steps). */
// A window large enough for 300 steps: every step is one model call, so the scripted answers line up with them
// (compaction inside a long completion is test/context's subject).
const deepResearcher = defineAgent({
  ...researcherAgent,
  name: 'deep_researcher',
  limits: { maxSteps: 500 },
  context: { windowTokens: 1_000_000, reserveTokens: 16_000 },
});

/** A promise and its resolve, to hand a moment from one side of the test to the other. */
function signal() {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** Holds its call until the test opens the gate: a moment inside a step, between model calls, to act in. */
let gate = signal();
let reached = signal();
const waitAtGate = defineTool({
  name: 'wait_at_gate',
  description: 'Waits until the test lets it through.',
  mode: 'inline',
  input: z.object({}),
  async execute() {
    reached.resolve();
    await gate.promise;
    return { through: true };
  },
}) as ToolDefinition;

/** `count` model steps that each call current_time, then (optionally) what comes after. */
const toolSteps = (count: number, tool = 'current_time'): Script[] =>
  Array.from({ length: count }, () => ({ kind: 'tool-calls', calls: [{ name: tool, argsChunks: ['{}'] }] }));

/** One SSE frame of the UI stream: its `seq` (the `id:` line) and its chunk. */
interface Frame {
  seq: number;
  chunk: { type: string; [key: string]: unknown };
}

function framesOf(raw: string): Frame[] {
  return raw.split('\n\n').flatMap((block) => {
    const id = /^id: (\d+)$/m.exec(block);
    const data = /^data: (\{.*\})$/m.exec(block);
    return id && data ? [{ seq: Number(id[1]), chunk: JSON.parse(data[1]!) as Frame['chunk'] }] : [];
  });
}

describe('a completion longer than one workflow run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LONGHAUL_STEPS_PER_RUN: String(STEPS_PER_RUN) },
      {
        tools: [waitAtGate],
        agents: [deepResearcher, { ...deepResearcher, name: 'gated', tools: ['current_time', 'wait_at_gate'] }],
      },
    );
  });
  afterAll(() => h?.close());

  /** Every run of the completion's workflow, oldest first, as Temporal lists them. */
  async function runsOf(completionId: string) {
    const runs: { runId: string; status: string }[] = [];
    for await (const execution of h.temporal.workflow.list({ query: `WorkflowId = 'completion-${completionId}'` }))
      runs.push({ runId: execution.runId, status: execution.status.name });
    return runs.reverse();
  }

  /** The runs once the list says the last one has closed: the list is Temporal's visibility, which may lag. */
  async function closedRunsOf(completionId: string) {
    let runs: { runId: string; status: string }[] = [];
    await waitFor(
      async () => {
        runs = await runsOf(completionId);
        return runs.length > 0 && runs.at(-1)!.status !== 'RUNNING';
      },
      10_000,
      'the last run closed in the workflow list',
    );
    return runs;
  }

  const status = async (completionId: string) =>
    (await h.pool.query(`SELECT status, steps FROM completions WHERE id = $1`, [completionId])).rows[0] as {
      status: string;
      steps: number;
    };

  async function start(chatId: string, agent: string, said = 'research the history of tea') {
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      agent,
      messages: [userMessage(said)],
    });
    expect(response.status).toBe(200);
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const [forMessage, forFrames] = response.body!.tee();
    return {
      completionId,
      turn: readTurn(new Response(forMessage)),
      raw: new Response(forFrames).text(),
    };
  }

  it('runs 300 steps over several runs as one assistant message with one seq sequence', async () => {
    const began = Date.now();
    h.model.enqueue(...toolSteps(STEPS - 1), { kind: 'text', chunks: ['Tea ', 'came ', 'from ', 'China.'] });
    const chatId = `chat-${randomUUID()}`;
    const { completionId, turn, raw } = await start(chatId, 'deep_researcher');
    const { message, chunks } = await turn;
    const frames = framesOf(await raw);
    const elapsedMs = Date.now() - began;
    console.info(`${STEPS} steps through ${HAND_OVERS.length + 1} runs took ${elapsedMs} ms`);

    // Temporal: one workflow id, a chain of runs, each handed over after its share of steps.
    const handle = h.temporal.workflow.getHandle(`completion-${completionId}`);
    expect(await handle.result()).toEqual({ completionId, status: 'completed', steps: STEPS, finishReason: 'stop' });
    const runs = await closedRunsOf(completionId);
    expect(runs.map((run) => run.status)).toEqual([...HAND_OVERS.map(() => 'CONTINUED_AS_NEW'), 'COMPLETED']);
    const description = await handle.describe();
    expect(description.runId).toBe(runs.at(-1)!.runId);
    expect(
      Object.fromEntries(description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value])),
    ).toMatchObject({ LonghaulUserId: h.userId, LonghaulStatus: 'running', LonghaulAgent: 'deep_researcher' });
    // The last run carried the attributes over; how it ended is Temporal's own execution status.
    expect(description.status.name).toBe('COMPLETED');
    expect(description.memo).toEqual({ threadId: expect.any(String) });

    // The stream: one `start`, one `finish`, strictly increasing seq, every step in one assistant message.
    expect(frames.map((frame) => frame.seq)).toEqual(frames.map((_, i) => frames[0]!.seq + i));
    expect(frames.filter((frame) => frame.chunk.type === 'start')).toHaveLength(1);
    expect(frames.filter((frame) => frame.chunk.type === 'start-step')).toHaveLength(STEPS);
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(message.role).toBe('assistant');
    const toolParts = message.parts.filter((part) => part.type === 'tool-current_time');
    expect(toolParts).toHaveLength(STEPS - 1);
    expect(toolParts.every((part) => 'state' in part && part.state === 'output-available')).toBe(true);
    expect(message.parts.at(-1)).toMatchObject({ type: 'text', text: 'Tea came from China.' });
    const stored = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    const assistants = stored.messages.filter((m: UIMessage) => m.role === 'assistant');
    expect(assistants).toHaveLength(1);
    expect(assistants[0].id).toBe(message.id);

    // A viewer that left before the first hand-off resumes after its last seq and gets exactly the rest.
    const lastSeen = frames.filter((frame) => frame.chunk.type === 'finish-step')[STEPS_PER_RUN - 10]!.seq;
    const resumed = await h.api(`/v1/completions/${completionId}/events`, {
      headers: { 'last-event-id': String(lastSeen) },
    });
    const resumedFrames = framesOf(await resumed.text());
    expect(resumedFrames).toEqual(frames.filter((frame) => frame.seq > lastSeen));

    // Postgres: every step counted once against the completion, and the ledger follows the runs.
    expect(await status(completionId)).toEqual({ status: 'completed', steps: STEPS });
    const { rows: usage } = await h.pool.query(
      `SELECT count(DISTINCT step)::int AS steps FROM usage_events WHERE completion_id = $1`,
      [completionId],
    );
    expect(usage[0].steps).toBe(STEPS);
    const { rows: ledger } = await h.pool.query(
      `SELECT type, data, run_id AS "runId" FROM audit_events WHERE completion_id = $1 ORDER BY id`,
      [completionId],
    );
    const handOvers = ledger.filter((row: { type: string }) => row.type === 'completion_continued');
    expect(handOvers.map((row: { data: unknown }) => row.data)).toEqual(
      HAND_OVERS.map((step, i) => ({ step, run: i + 2, reason: 'steps' })),
    );
    expect(handOvers.map((row: { runId: string }) => row.runId)).toEqual(runs.slice(0, -1).map((run) => run.runId));
    expect(ledger.filter((row: { type: string }) => row.type === 'model_call')).toHaveLength(STEPS);
    expect(ledger.filter((row: { type: string }) => row.type === 'completion_finished')).toHaveLength(1);

    // Each run replays against the workflow code: the hand-over is deterministic.
    const histories = await Promise.all(
      runs.map(async ({ runId }) => ({
        workflowId: `${completionId}-${runId}`,
        history: await h.temporal.workflow.getHandle(`completion-${completionId}`, runId).fetchHistory(),
      })),
    );
    const replayed: unknown[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      histories,
    ))
      replayed.push(result.error ?? 'ok');
    expect(replayed).toEqual(runs.map(() => 'ok'));
  }, 240_000);

  it('a Stop that lands after a hand-off ends the completion as cancelled, and the stream finishes', async () => {
    h.model.enqueue(...toolSteps(STEPS_PER_RUN + 5), { kind: 'hang', chunks: ['Still ', 'reading'] });
    const chatId = `chat-${randomUUID()}`;
    const before = h.model.requests.length;
    const { completionId, turn, raw } = await start(chatId, 'deep_researcher');
    // The hanging call is step 55: the second run's.
    await h.model.waitForRequests(before + STEPS_PER_RUN + 6, 60_000);
    expect((await runsOf(completionId)).map((run) => run.status)).toEqual(['CONTINUED_AS_NEW', 'RUNNING']);
    // A reload in the second run: useChat's resume rebuilds the whole answer, the first run's steps included.
    const reloaded = await h.api(`/api/chat/${chatId}/stream`);
    expect(reloaded.status).toBe(200);
    const rebuilt = readTurn(reloaded);

    const stop = await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    const { chunks, message } = await turn;
    expect(chunks.at(-1)?.type).toBe('abort');
    const resumed = await rebuilt;
    expect(resumed.chunks.at(-1)?.type).toBe('abort');
    expect(resumed.message.id).toBe(message.id);
    expect(resumed.message.parts.filter((part) => part.type === 'tool-current_time')).toHaveLength(STEPS_PER_RUN + 5);
    expect((await raw).trimEnd().endsWith('data: [DONE]')).toBe(true);
    await waitFor(async () => (await status(completionId)).status === 'cancelled', 10_000, 'cancelled');
    const handle = h.temporal.workflow.getHandle(`completion-${completionId}`);
    await waitFor(async () => (await handle.describe()).status.name === 'CANCELLED', 10_000, 'workflow CANCELLED');
    expect((await runsOf(completionId)).map((run) => run.status)).toEqual(['CONTINUED_AS_NEW', 'CANCELLED']);
    const { rows } = await h.pool.query(`SELECT metadata FROM messages WHERE completion_id = $1 AND step = $2`, [
      completionId,
      STEPS_PER_RUN + 5,
    ]);
    expect(rows).toEqual([{ metadata: { stopped: true } }]);
  }, 120_000);

  it('a steering message accepted before a hand-off is delivered after it, once', async () => {
    gate = signal();
    reached = signal();
    const said = mark('STEERACROSS');
    h.model.enqueue(...toolSteps(STEPS_PER_RUN - 1), ...toolSteps(1, 'wait_at_gate'), {
      kind: 'text',
      chunks: ['Noted.'],
    });
    const chatId = `chat-${randomUUID()}`;
    const before = h.model.requests.length;
    const { completionId, turn } = await start(chatId, 'gated');
    // Step 49's tool call holds the first run at its last step: the message is accepted there.
    await reached.promise;
    const sent = await steer(h, chatId, { id: 'steer-across', parts: text(said) });
    expect(sent.status).toBe(202);
    gate.resolve();
    const { message, chunks } = await turn;

    await h.temporal.workflow.getHandle(`completion-${completionId}`).result();
    expect((await closedRunsOf(completionId)).map((run) => run.status)).toEqual(['CONTINUED_AS_NEW', 'COMPLETED']);
    expect(await readJson(await h.api(`/api/chat/${chatId}/steer/steer-across`))).toMatchObject({
      status: 'delivered',
      step: STEPS_PER_RUN,
    });
    // The second run's first model request carries it, and only that one.
    const carrying = h.model.requests
      .slice(before)
      .map((request, step) => ({ step, sent: JSON.stringify(request.body).includes(said) }))
      .filter((request) => request.sent);
    expect(carrying[0]?.step).toBe(STEPS_PER_RUN);
    expect(chunks.filter((chunk) => chunk.type === 'steering-message')).toHaveLength(1);
    expect(message.parts.filter((part) => part.type === 'steering-message')).toHaveLength(1);
  }, 120_000);
});
