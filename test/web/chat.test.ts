import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, screenshot, signedInPage, threadIdOf } from './support/browser.js';

describe('the web app in a real browser: streaming, Stop, reload, a second tab, a retried step', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
    ({ page } = await signedInPage(browser, h.apiUrl, h.apiKey));
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const assistant = (on: Page = page) => on.getByRole('article', { name: 'Assistant' });

  async function newThread(): Promise<string> {
    const before = page.url();
    await page.getByRole('button', { name: 'New thread' }).click();
    await page.waitForURL((url) => url.href !== before && url.pathname.startsWith('/threads/'));
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    return threadIdOf(page);
  }

  async function send(text: string, on: Page = page) {
    const box = on.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
  }

  it('signs in from the #key= link and takes the key out of the address bar', async () => {
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate('Object.values(sessionStorage)')).toContain(h.apiKey);
  });

  it('streams an answer as markdown with a code block, then shows the turn’s model and tokens', async () => {
    await newThread();
    h.model.enqueue({
      kind: 'text',
      chunks: [
        '## Plan\n\n',
        'First ',
        'we ',
        'stream, ',
        'then ',
        'we ',
        'show ',
        'code:\n\n',
        '```js\nconsole.log(42);\n```\n',
      ],
      delayMs: 250,
    });
    await send('Show me markdown');
    // Live: part of the answer is on the page while the Stop button still offers to end it.
    await assistant().getByText('First we', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    await screenshot(page, 'streaming');

    await assistant().getByRole('heading', { name: 'Plan' }).waitFor();
    await assistant().locator('pre code', { hasText: 'console.log(42);' }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    const details = assistant().getByRole('note', { name: 'Turn details' });
    await details.getByText('openai:gpt-test', { exact: false }).waitFor();
    expect(await details.textContent()).toMatch(/\d+ in · \d+ out tokens · first token after \d/);
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
  });

  it('Stop ends the answer at the model (disconnect recorded), keeps the partial text and marks it stopped', async () => {
    await newThread();
    h.model.reset();
    h.model.enqueue({ kind: 'hang', chunks: ['Partial ', 'answer'] });
    await send('Talk forever');
    await assistant().getByText('Partial answer').waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await h.model.waitForDisconnects(1, 15_000);
    await assistant().getByText('Stopped').waitFor();
    expect(await assistant().getByText('Partial answer').isVisible()).toBe(true);
    await screenshot(page, 'stopped');
  });

  it('Escape stops the running answer too', async () => {
    await newThread();
    h.model.reset();
    h.model.enqueue({ kind: 'hang', chunks: ['Hanging ', 'on'] });
    await send('Another long one');
    await assistant().getByText('Hanging on').waitFor();
    await page.keyboard.press('Escape');
    await h.model.waitForDisconnects(1, 15_000);
    await assistant().getByText('Stopped').waitFor();
  });

  it('a reload mid-answer resumes it, with no text twice', async () => {
    await newThread();
    const chunks = Array.from({ length: 12 }, (_, i) => `w${i} `);
    h.model.enqueue({ kind: 'text', chunks, delayMs: 250 });
    await send('Count slowly');
    await assistant().getByText('w1', { exact: false }).waitFor();
    await page.reload();
    await assistant().getByText('w11', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    expect(await assistant().count()).toBe(1);
    const text = (await assistant().locator('.markdown').innerText()).trim();
    expect(text).toBe(chunks.join('').trim());
  });

  it('a second browser on the same thread shows the running answer live', async () => {
    const threadId = await newThread();
    const chunks = Array.from({ length: 12 }, (_, i) => `s${i} `);
    h.model.enqueue({ kind: 'text', chunks, delayMs: 250 });
    await send('Share this');
    await assistant().getByText('s1', { exact: false }).waitFor();

    const second = await signedInPage(browser, h.apiUrl, h.apiKey);
    try {
      await second.page.goto(`/threads/${encodeURIComponent(threadId)}`);
      // Still running when the second tab shows it: its own Stop button is offered.
      await second.page.getByRole('button', { name: 'Stop' }).waitFor();
      await screenshot(second.page, 'second-tab-live');
      await assistant(second.page).getByText('s11', { exact: false }).waitFor();
      const text = (await assistant(second.page).locator('.markdown').innerText()).trim();
      expect(text).toBe(chunks.join('').trim());
      expect(await second.page.getByRole('article', { name: 'You' }).innerText()).toContain('Share this');
    } finally {
      await second.context.close();
    }
  });

  it('a second browser already open on the thread shows an answer started in the first, live', async () => {
    const threadId = await newThread();
    await send('Open the thread');
    await assistant().getByText('Hello from the scripted model.').waitFor();
    const second = await signedInPage(browser, h.apiUrl, h.apiKey);
    try {
      await second.page.goto(`/threads/${encodeURIComponent(threadId)}`);
      await assistant(second.page).getByText('Hello from the scripted model.').waitFor();
      const chunks = Array.from({ length: 10 }, (_, i) => `v${i} `);
      h.model.enqueue({ kind: 'text', chunks, delayMs: 250 });
      await send('Now watch this');
      // The second page learns of the new turn from GET /v1/events and follows its stream.
      await second.page.getByRole('button', { name: 'Stop' }).waitFor();
      await assistant(second.page).getByText('v9', { exact: false }).waitFor();
      expect(await assistant(second.page).count()).toBe(2);
      expect((await assistant(second.page).last().locator('.markdown').innerText()).trim()).toBe(
        chunks.join('').trim(),
      );
      expect(await second.page.getByRole('article', { name: 'You' }).last().innerText()).toContain('Now watch this');
    } finally {
      await second.context.close();
    }
  });

  it('a retried model call shows its step once', async () => {
    await newThread();
    h.model.enqueue(
      { kind: 'error-mid-stream', chunks: ['The answer is', ' forty'], errorType: 'server_error' },
      { kind: 'text', chunks: ['The answer ', 'is 42.'] },
    );
    await send('What is the answer?');
    await assistant().getByText('The answer is 42.').waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    expect((await assistant().locator('.markdown').innerText()).trim()).toBe('The answer is 42.');
  });

  it('shows the model’s reasoning collapsed, opened on request', async () => {
    await newThread();
    h.model.enqueue({ kind: 'text', reasoning: ['Weighing ', 'the options.'], chunks: ['Take ', 'the train.'] });
    await page.getByRole('combobox', { name: 'Model' }).fill('anthropic:claude-test');
    await send('Train or plane?');
    await assistant().getByText('Take the train.').waitFor();
    const reasoning = assistant().getByRole('group').filter({ hasText: 'Reasoning' });
    expect(await reasoning.getAttribute('open')).toBeNull();
    expect(await assistant().getByText('Weighing the options.').isVisible()).toBe(false);
    await reasoning.getByText('Reasoning', { exact: true }).click();
    await assistant().getByText('Weighing the options.').waitFor();
    await page.getByRole('combobox', { name: 'Model' }).fill('');
  });

  it('another user’s thread id in the URL shows “not found”', async () => {
    const stranger = await h.createUser();
    const created = await h.api('/v1/threads', {
      method: 'POST',
      key: stranger.apiKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'their-private-thread' }),
    });
    expect(created.status).toBe(201);
    await page.goto('/threads/their-private-thread');
    await page.getByRole('heading', { name: 'Thread not found' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Message' }).count()).toBe(0);
  });

  it('a 401 at any time returns to sign-in (a key revoked while the page is open)', async () => {
    const user = await h.createUser();
    const revoked = await signedInPage(browser, h.apiUrl, user.apiKey);
    try {
      await h.pool.query(`UPDATE api_keys SET revoked_at = now() WHERE user_id = $1`, [user.userId]);
      // Opening a thread asks the API for it: the refusal ends the session.
      await revoked.page.getByRole('button', { name: 'New thread' }).click();
      await revoked.page.getByLabel('API key or token').waitFor();
      expect(await revoked.page.evaluate('Object.keys(sessionStorage).length')).toBe(0);
    } finally {
      await revoked.context.close();
    }
  });

  it('without a key shows sign-in; a wrong key is refused there, the right one opens the app', async () => {
    const fresh = await browser.newContext({ baseURL: h.apiUrl });
    try {
      const signIn = await fresh.newPage();
      await signIn.goto('/');
      const field = signIn.getByLabel('API key or token');
      await field.fill('lh_not_a_real_key');
      await signIn.getByRole('button', { name: 'Sign in' }).click();
      await signIn.getByRole('alert').getByText('invalid API key').waitFor();
      await field.fill(h.apiKey);
      await signIn.getByRole('button', { name: 'Sign in' }).click();
      await signIn.getByRole('link', { name: 'Approvals' }).waitFor();
    } finally {
      await fresh.close();
    }
  });
});
