/**
 * The approval scenarios for each `ai` version an app may run: approved, and denied after a worker restart. ai 7
 * and 6 decide the way useChat does (addToolApprovalResponse, then the automatic resend); ai 5, which rejects
 * approval chunks, reads `data-approval` and decides through POST /v1/approvals. Only ai 7 is told the decision
 * on the stream (`tool-approval-response`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAssistantMessageIsCompleteWithApprovalResponses } from 'ai';
import { lastAssistantMessageIsCompleteWithApprovalResponses as completeWithApprovalResponsesV6 } from 'ai-v6';
import { startHarness, type Harness } from '../support/harness.js';
import {
  postChat,
  readJson,
  readTurn,
  textOf,
  userMessage,
  versionHeaders,
  type AiVersion,
} from '../support/chat-client.js';
import { NodeChat, NodeChatV6, RecordingTransport, RecordingTransportV6 } from '../support/node-chat.js';
import { createTestTools, type TestTools } from '../support/test-tools.js';

type ToolPart = { type: string; toolCallId: string; state: string; approval?: { id: string }; output?: unknown };
type Message = { id: string; role: string; parts: { type: string }[] };

interface Scenario {
  approved: boolean;
  /** The worker is stopped and started again while the call waits for its decision. */
  restartWorker: boolean;
}

const SCENARIOS: Scenario[] = [
  { approved: true, restartWorker: false },
  { approved: false, restartWorker: true },
];

describe('approvals for ai 7, 6 and 5 clients', () => {
  let h: Harness;
  let tools: TestTools;
  beforeAll(async () => {
    tools = createTestTools();
    h = await startHarness({}, { tools: tools.definitions });
  });
  afterAll(() => h?.close());

  const transcriptAnswer = async (chatId: string) => {
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    return messages.at(-1) as Message;
  };
  const transferPart = (message: Message | undefined) =>
    message?.parts.find((part) => part.type === 'tool-transfer') as ToolPart | undefined;

  function enqueueTransfer(approved: boolean) {
    h.model.enqueue(
      { kind: 'tool-calls', text: ['Paying. '], calls: [{ name: 'transfer', argsChunks: ['{"amount":', '7}'] }] },
      { kind: 'text', chunks: [approved ? 'Paid.' : 'Not paid.'] },
    );
  }

  async function maybeRestartWorker(scenario: Scenario) {
    if (!scenario.restartWorker) return;
    await h.stopWorker();
    await h.startWorker();
  }

  /** useChat of ai 7 or 6: what the chat shows in the end, and what its transport read. */
  async function decideInChat(version: 7 | 6, scenario: Scenario) {
    const chatId = `chat-${randomUUID()}`;
    const options = {
      api: `${h.apiUrl}/api/chat`,
      headers: { authorization: `Bearer ${h.apiKey}`, ...versionHeaders(version) },
      body: { tools: ['transfer'] },
    };
    const transport = version === 7 ? new RecordingTransport(options) : new RecordingTransportV6(options);
    const chat =
      version === 7
        ? new NodeChat({
            id: chatId,
            transport: transport as RecordingTransport,
            sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
          })
        : new NodeChatV6({
            id: chatId,
            transport: transport as RecordingTransportV6,
            sendAutomaticallyWhen: completeWithApprovalResponsesV6,
          });
    await chat.sendMessage({ text: 'pay seven' });
    await chat.settled();
    const requested = transferPart(chat.messages.at(-1));
    expect(requested?.state).toBe('approval-requested');

    await maybeRestartWorker(scenario);
    await chat.addToolApprovalResponse({
      id: requested!.approval!.id,
      approved: scenario.approved,
      ...(scenario.approved ? {} : { reason: 'too much' }),
    });
    await chat.settled();
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    return { chatId, final: chat.messages[1] as Message, chunks: transport.chunks as { type: string }[] };
  }

  /** ai 5: the request arrives as a data-approval part, the decision goes through the REST API. */
  async function decideOverRest(scenario: Scenario) {
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(
      h,
      { id: chatId, trigger: 'submit-message', messages: [userMessage('pay seven')], tools: ['transfer'] },
      h.apiKey,
      versionHeaders(5),
    );
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const asking = await readTurn(response, 5);
    const approval = asking.chunks.find((c) => c.type === 'data-approval') as {
      data: { toolCallId: string; argsDigest: string; state: string };
    };
    expect(approval.data.state).toBe('requested');

    await maybeRestartWorker(scenario);
    const decision = await h.api(`/v1/approvals/${approval.data.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        decision: scenario.approved ? 'approve' : 'deny',
        argsDigest: approval.data.argsDigest,
        ...(scenario.approved ? {} : { reason: 'too much' }),
      }),
    });
    expect(decision.status).toBe(200);
    // The whole answer, both segments, as ai 5 reads it.
    const whole = await readTurn(await h.api(`/v1/completions/${completionId}/events?uiVersion=5`), 5);
    return { chatId, final: whole.message as Message, chunks: whole.chunks as { type: string }[] };
  }

  for (const version of [7, 6, 5] as AiVersion[]) {
    for (const scenario of SCENARIOS) {
      const name = `${scenario.approved ? 'approved' : 'denied'}${scenario.restartWorker ? ' after a worker restart' : ''}`;
      it(`ai ${version}: ${name}, continuing in the same assistant message`, async () => {
        enqueueTransfer(scenario.approved);
        const ran = tools.executions.get('transfer') ?? 0;
        const { chatId, final, chunks } =
          version === 5 ? await decideOverRest(scenario) : await decideInChat(version, scenario);

        const stored = await transcriptAnswer(chatId);
        expect(final.id).toBe(stored.id);
        expect(textOf(final as never)).toBe(scenario.approved ? 'Paying. Paid.' : 'Paying. Not paid.');
        expect(textOf(stored as never)).toBe(textOf(final as never));
        expect(transferPart(stored)?.state).toBe(scenario.approved ? 'output-available' : 'output-denied');
        expect(tools.executions.get('transfer') ?? 0).toBe(ran + (scenario.approved ? 1 : 0));

        const types = chunks.map((chunk) => chunk.type);
        if (version === 7) {
          expect(final.parts).toEqual(stored.parts);
          expect(chunks.find((chunk) => chunk.type === 'tool-approval-response')).toMatchObject({
            approved: scenario.approved,
            ...(scenario.approved ? {} : { reason: 'too much' }),
          });
        } else {
          expect(types).not.toContain('tool-approval-response');
        }
        if (version === 6) {
          expect(final.parts).toEqual(stored.parts);
        }
        if (version === 5) {
          expect(types).not.toContain('tool-approval-request');
          expect(types).not.toContain('tool-output-denied');
          expect(transferPart(final)?.state).toBe(scenario.approved ? 'output-available' : 'input-available');
        }
      });
    }
  }
});
