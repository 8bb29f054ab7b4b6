import { ServiceError, type WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness;
/** Set to make the API's next decision fail as it does when Temporal cannot be reached. */
let unreachable = false;
const flakyTemporal: WorkflowClientInterceptor = {
  async startUpdate(input, next) {
    if (!unreachable) return next(input);
    unreachable = false;
    throw new ServiceError('Workflow Update failed', { cause: new Error('14 UNAVAILABLE: No connection established') });
  },
};

beforeAll(async () => {
  h = await startHarness({}, { tools: createTestTools().definitions, clientInterceptors: [flakyTemporal] });
});
afterAll(() => h?.close());

const decide = (toolCallId: string, argsDigest: string) =>
  h.api(`/v1/approvals/${toolCallId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve', argsDigest }),
  });

it('answers a decision Temporal could not take with 503, and the call stays open for the retry', async () => {
  const { completionId, approval } = await startPendingTransfer(h, {
    amount: 9,
    then: [{ kind: 'text', chunks: ['Paid.'] }],
  });

  unreachable = true;
  const failed = await decide(approval.toolCallId, approval.argsDigest);
  expect(failed.status).toBe(503);
  expect((await readJson(failed)).error.code).toBe('temporal_unavailable');
  const inbox = await readJson(await h.api('/v1/approvals'));
  expect(inbox.approvals.map((a: { toolCallId: string }) => a.toolCallId)).toContain(approval.toolCallId);

  const retried = await decide(approval.toolCallId, approval.argsDigest);
  expect(retried.status).toBe(200);
  expect(await readJson(retried)).toMatchObject({ decision: 'approved', approver: h.userId });
  await waitFor(
    async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed',
    15_000,
  );
});
