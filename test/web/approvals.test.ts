import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { launchBrowser, screenshot, signedInPage, threadIdOf } from './support/browser.js';

describe('the web app in a real browser: tool cards, approvals inline and in the inbox, the audit view', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let site: Server;
  let siteUrl: string;
  beforeAll(async () => {
    // fetch_url may read the page this test serves on loopback; hasty_approval's requests expire after 3 s.
    [h, browser] = await Promise.all([
      startHarness(
        { LONGHAUL_FETCH_ALLOW_PRIVATE: 'true' },
        { tools: createTestTools({ shortExpiryMs: 3_000 }).definitions },
      ),
      launchBrowser(),
    ]);
    ({ page } = await signedInPage(browser, h.apiUrl, h.apiKey));
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><head><title>Tide tables</title></head><body><p>High tide at 06:12.</p></body></html>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/tides`;
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  const assistant = () => page.getByRole('article', { name: 'Assistant' });

  async function newThread(): Promise<string> {
    const before = page.url();
    await page.getByRole('button', { name: 'New thread' }).click();
    await page.waitForURL((url) => url.href !== before && url.pathname.startsWith('/threads/'));
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    return threadIdOf(page);
  }

  async function send(text: string) {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  }

  /** A model turn that asks to save a note (approval needed), then answers `after` once the call is settled. */
  function scriptSaveNote(title: string, after: string[]) {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        text: ['Let me save that. '],
        calls: [{ name: 'save_note', argsChunks: ['{"title":', JSON.stringify(title), ',"body":"milk, eggs"}'] }],
      },
      { kind: 'text', chunks: after },
    );
  }

  const decisionOf = async (title: string) => {
    const { rows } = await h.pool.query(
      `SELECT t.decision, t.decision_reason AS reason FROM tool_executions t WHERE t.tool_name = 'save_note' AND t.args->>'title' = $1`,
      [title],
    );
    return rows[0];
  };

  it('shows a tool call as a card with its arguments and output', async () => {
    await newThread();
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'current_time', argsChunks: ['{', '}'] }] },
      {
        kind: 'text',
        chunks: ['The clock says it is **', 'now**:\n\n', '- checked with `current_time`\n', '- in UTC\n'],
      },
    );
    await send('What time is it?');
    const card = assistant().getByRole('region', { name: 'Tool current_time' });
    await card.getByText('done').waitFor();
    expect(await card.getByLabel('Output').innerText()).toMatch(/\d{4}-\d\d-\d\d/);
    await assistant().getByText('checked with').waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
  });

  it('Approve inline: the exact arguments are shown, and the answer continues in the same message', async () => {
    // Same thread as the tool card: the earlier turn stays as it was.
    const title = `groceries-${randomUUID().slice(0, 8)}`;
    scriptSaveNote(title, ['Saved ', 'your note.']);
    await send('Remember to buy milk and eggs');
    const card = assistant().last().getByRole('region', { name: 'Tool save_note' });
    await card.getByRole('button', { name: 'Approve' }).waitFor();
    expect(JSON.parse(await card.getByLabel('Arguments').innerText())).toEqual({ title, body: 'milk, eggs' });
    await screenshot(page, 'approval-inline');
    // docs/screenshot.png, which README opens with, is a copy of this one.
    await card.getByRole('button', { name: 'Approve' }).click();

    await assistant().getByText('Saved your note.').waitFor();
    expect(await assistant().count()).toBe(2);
    expect(await assistant().last().innerText()).toContain('Let me save that.');
    await card.getByText('done').waitFor();
    expect(await decisionOf(title)).toMatchObject({ decision: 'approved' });
    await screenshot(page, 'approved');
  });

  it('links the page a tool read as a source', async () => {
    await newThread();
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'fetch_url', argsChunks: [JSON.stringify({ url: siteUrl })] }] },
      { kind: 'text', chunks: ['High tide is at 06:12.'] },
    );
    await send('When is high tide?');
    await assistant().getByText('High tide is at 06:12.').waitFor();
    const source = assistant().getByRole('link', { name: 'Tide tables' });
    expect(await source.getAttribute('href')).toBe(siteUrl);
    await assistant().getByRole('region', { name: 'Tool fetch_url' }).getByText('done').waitFor();
  });

  it('shows a research sub-agent’s progress while it works', async () => {
    await newThread();
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'research', argsChunks: [JSON.stringify({ question: 'sky colour' })] }] },
      { kind: 'text', chunks: ['Rayleigh ', 'scattering ', 'makes ', 'it ', 'blue.'], delayMs: 300 },
      { kind: 'text', chunks: ['It is Rayleigh scattering.'] },
    );
    await send('Why is the sky blue? Research it.');
    await assistant().getByRole('status').getByText('agent: researcher', { exact: false }).waitFor();
    await screenshot(page, 'subagent');
    await assistant().getByText('It is Rayleigh scattering.').waitFor();
    await assistant().getByRole('region', { name: 'Tool research' }).getByText('done').waitFor();
  });

  it('Deny inline with a reason: the model reads the denial and the answer goes on', async () => {
    await newThread();
    const title = `secret-${randomUUID().slice(0, 8)}`;
    scriptSaveNote(title, ['OK, ', 'not saved.']);
    await send('Save my secret');
    const card = assistant().getByRole('region', { name: 'Tool save_note' });
    await card.getByRole('button', { name: 'Deny' }).waitFor();
    await card.getByLabel('Reason (optional)').fill('not now');
    await card.getByRole('button', { name: 'Deny' }).click();
    await assistant().getByText('OK, not saved.').waitFor();
    expect(await assistant().count()).toBe(1);
    await card.getByText('denied').first().waitFor();
    expect(await decisionOf(title)).toMatchObject({ decision: 'denied', reason: 'not now' });
  });

  it('decides from the Approvals inbox; the thread shows the continued answer', async () => {
    const threadId = await newThread();
    const title = `inbox-${randomUUID().slice(0, 8)}`;
    scriptSaveNote(title, ['Saved ', 'from the inbox.']);
    await send('Save this for later');
    await assistant().getByRole('button', { name: 'Approve' }).waitFor();

    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    const item = page.getByRole('listitem', { name: 'Approval for save_note' }).filter({ hasText: title });
    expect(JSON.parse(await item.getByLabel('Arguments').innerText())).toEqual({ title, body: 'milk, eggs' });
    await screenshot(page, 'inbox');
    await item.getByRole('button', { name: 'Approve' }).click();
    await item.waitFor({ state: 'detached' });
    expect(await decisionOf(title)).toMatchObject({ decision: 'approved' });

    await page.getByRole('navigation', { name: 'Threads' }).getByRole('link', { name: 'Save this for later' }).click();
    await page.waitForURL((url) => url.pathname === `/threads/${threadId}`);
    await assistant().getByText('Saved from the inbox.').waitFor();
    expect(await assistant().count()).toBe(1);
  });

  /** A turn whose one tool call needs an approval that expires unanswered after 3 s; the answer then goes on. */
  function scriptHastyApproval(after: string) {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'hasty_approval', argsChunks: ['{}'] }] },
      { kind: 'text', chunks: [after] },
    );
  }

  it('an approval nobody decides in time shows as expired inline, and the answer goes on', async () => {
    await newThread();
    scriptHastyApproval('Nobody answered, so I went on.');
    await send('Do the hasty thing');
    const card = assistant().getByRole('region', { name: 'Tool hasty_approval' });
    await card.getByRole('button', { name: 'Approve' }).waitFor();

    await assistant().getByText('Nobody answered, so I went on.').waitFor({ timeout: 15_000 });
    expect(await card.locator('.tool-state').innerText()).toBe('expired');
    await card.getByText('Expired: nobody decided in time', { exact: false }).waitFor();
    expect(await card.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await assistant().count()).toBe(1);
    await screenshot(page, 'approval-expired-inline');
  });

  it('the inbox shows a request that expires while it is open as expired, and keeps it listed', async () => {
    const threadId = await newThread();
    scriptHastyApproval('Expired, moving on.');
    await send('Another hasty thing');
    await assistant().getByRole('button', { name: 'Approve' }).waitFor();
    await page.getByRole('link', { name: 'Approvals' }).click();
    const item = page.getByRole('listitem', { name: 'Approval for hasty_approval' });
    await item.getByRole('button', { name: 'Approve' }).waitFor();
    // The inbox refetches on the server's approval events; the one after the expiry lists nothing.
    const emptied = page.waitForResponse(
      async (response) =>
        response.url().includes('/v1/approvals') &&
        ((await response.json()) as { approvals: unknown[] }).approvals.length === 0,
      { timeout: 15_000 },
    );

    await item.getByText('expired', { exact: true }).waitFor({ timeout: 15_000 });
    expect(await item.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // The server has settled it and lists it no more; the page still shows it, as expired.
    await emptied;
    await item.getByText('expired', { exact: true }).waitFor();
    expect(await item.getByRole('link', { name: threadId }).count()).toBe(1);
    await screenshot(page, 'approval-expired-inbox');
  });

  it('the agent and model pickers: a reviewer’s structured output shown as its object, another vendor’s model', async () => {
    await newThread();
    const review = { verdict: 'request_changes', summary: 'Needs sources.', issues: [] };
    h.model.enqueue({ kind: 'text', chunks: JSON.stringify(review).match(/.{1,12}/g)! });
    await page.getByRole('combobox', { name: 'Agent' }).selectOption('reviewer');
    await send('Review my essay');
    const structured = assistant().getByRole('region', { name: 'Structured output' });
    await structured.getByText('Needs sources.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    expect(JSON.parse(await structured.innerText())).toEqual(review);
    await assistant()
      .getByRole('note', { name: 'Turn details' })
      .getByText('agent reviewer', { exact: false })
      .waitFor();

    await newThread();
    h.model.enqueue({ kind: 'text', chunks: ['Take the train.'] });
    await page.getByRole('combobox', { name: 'Model' }).fill('anthropic:claude-test');
    await send('Train or plane?');
    await assistant().getByText('Take the train.').waitFor();
    await assistant().getByRole('note', { name: 'Turn details' }).getByText('anthropic:claude-test').waitFor();
    expect(h.model.requests.at(-1)!.vendor).toBe('anthropic');
  });

  it('the audit view lists the thread’s ledger with each run linked into the Temporal UI', async () => {
    await page.getByRole('navigation', { name: 'Threads' }).getByRole('link', { name: 'Save this for later' }).click();
    const threadId = threadIdOf(page);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    await page.getByRole('cell', { name: 'approval_decided' }).first().waitFor();
    const link = page.getByRole('link', { name: /^completion-/ }).first();
    expect(await link.getAttribute('href')).toMatch(
      /\/namespaces\/default\/workflows\/completion-[^/]+\/[^/]+\/history$/,
    );
    expect(new URL(page.url()).pathname).toBe(`/threads/${threadId}/audit`);
  });

  it('Regenerate answers the latest message again, replacing the earlier answer', async () => {
    await newThread();
    h.model.enqueue({ kind: 'text', chunks: ['First ', 'take.'] }, { kind: 'text', chunks: ['Second ', 'take.'] });
    await send('Give me a take');
    await assistant().getByText('First take.').waitFor();
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await assistant().getByText('Second take.').waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    expect(await assistant().count()).toBe(1);
    expect(await assistant().getByText('First take.').count()).toBe(0);
  });
});
