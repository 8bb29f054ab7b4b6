/**
 * Limits that hold across API replicas: requests per user per minute and failed authentications per address
 * (Redis counters), active completions per user (counted in Postgres when a turn opens) and open SSE streams per
 * user (Redis leases that a live stream renews). Each is tried on two APIs sharing the same services, the way two
 * replicas behind a load balancer would. Over a limit the answer is a 429 with Retry-After and a code naming the
 * limit, and nothing is written or started.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, ConfigError, type Config } from '../../src/config.js';
import { createRedis } from '../../src/runtime/connections.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';
import { startApiBeside } from './api-beside-harness.js';

type Api = Awaited<ReturnType<typeof startApiBeside>>;

let h: Harness;
const opened: Api[] = [];

const ACTIVE_LIMIT = 2;
const STREAM_LIMIT = 2;

beforeAll(async () => {
  h = await startHarness({
    LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: String(ACTIVE_LIMIT),
    LONGHAUL_MAX_STREAMS_PER_USER: String(STREAM_LIMIT),
    // Turns that wait on a hanging model stay running for the whole file.
    LONGHAUL_STALL_TIMEOUT_MS: '600000',
  });
});

afterAll(async () => {
  for (const api of opened) await api.close();
  await h?.close();
});

/** A second replica on the harness's services, closed after the file. */
async function replica(config: Partial<Config> = {}): Promise<Api> {
  const api = await startApiBeside(h, { config });
  opened.push(api);
  return api;
}

const call = (url: string, path: string, key: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
  });

/** The 429 every limit answers with: Retry-After in whole seconds and a JSON error naming the limit. */
async function expectRefused(response: Response, code: string, limit: number) {
  if (response.status !== 429) {
    // An SSE response that was let through would never end: hang up before failing.
    await response.body?.cancel();
    expect(response.status, `expected a 429 ${code}`).toBe(429);
  }
  const body = (await readJson(response)) as { error: { code: string; message: string; limit: number } };
  expect({ status: response.status, code: body.error.code, limit: body.error.limit }).toEqual({
    status: 429,
    code,
    limit,
  });
  expect(body.error.message).toEqual(expect.any(String));
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
}

/** What the user owns in Postgres: a refused request must leave all of it as it was. */
async function rowsOf(userId: string) {
  const { rows } = await h.pool.query(
    `SELECT (SELECT count(*)::int FROM threads WHERE user_id = $1) AS threads,
            (SELECT count(*)::int FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.user_id = $1) AS messages,
            (SELECT count(*)::int FROM completions WHERE user_id = $1) AS completions`,
    [userId],
  );
  return rows[0] as { threads: number; messages: number; completions: number };
}

async function workflowsOf(userId: string) {
  return (await h.temporal.workflow.count(`LonghaulUserId = "${userId}"`)).count;
}

/** An open SSE response; `close()` hangs up as a browser tab closing would. */
async function openStream(url: string, path: string, key: string, init: RequestInit = {}) {
  const abort = new AbortController();
  const response = await call(url, path, key, { ...init, signal: abort.signal });
  return {
    response,
    async close() {
      abort.abort();
      await response.body?.cancel().catch(() => {});
    },
  };
}

const startRest = (url: string, key: string, body: Record<string, unknown>) =>
  call(url, '/v1/completions', key, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('settings', () => {
  it('protect a small deployment by default; 0 means unlimited; negatives and words are refused', () => {
    const defaults = parseConfig({});
    expect({
      requests: defaults.LONGHAUL_RATE_LIMIT_PER_MINUTE,
      authFailures: defaults.LONGHAUL_AUTH_FAILURES_PER_MINUTE,
      active: defaults.LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER,
      streams: defaults.LONGHAUL_MAX_STREAMS_PER_USER,
    }).toEqual({ requests: 600, authFailures: 30, active: 10, streams: 20 });
    expect(parseConfig({ LONGHAUL_MAX_STREAMS_PER_USER: '0' }).LONGHAUL_MAX_STREAMS_PER_USER).toBe(0);
    for (const name of [
      'LONGHAUL_RATE_LIMIT_PER_MINUTE',
      'LONGHAUL_AUTH_FAILURES_PER_MINUTE',
      'LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER',
      'LONGHAUL_MAX_STREAMS_PER_USER',
    ]) {
      expect(() => parseConfig({ [name]: '-1' })).toThrow(ConfigError);
      expect(() => parseConfig({ [name]: 'lots' })).toThrow(new RegExp(name));
    }
  });
});

describe('requests per user per minute', () => {
  it('counts one user’s requests on every replica and answers 429 rate_limited past the limit', async () => {
    const [a, b] = [
      await replica({ LONGHAUL_RATE_LIMIT_PER_MINUTE: 5 }),
      await replica({ LONGHAUL_RATE_LIMIT_PER_MINUTE: 5 }),
    ];
    const user = await h.createUser();
    const statuses = [];
    for (const api of [a, b, a, b, a]) statuses.push((await call(api.url, '/v1/threads', user.apiKey)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    await expectRefused(await call(b.url, '/v1/threads', user.apiKey), 'rate_limited', 5);
    await expectRefused(await call(a.url, '/v1/threads', user.apiKey), 'rate_limited', 5);
    // A refused write writes nothing.
    const before = await rowsOf(user.userId);
    await expectRefused(
      await call(a.url, '/v1/threads', user.apiKey, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
      'rate_limited',
      5,
    );
    expect(await rowsOf(user.userId)).toEqual(before);

    // Per user: someone else is not slowed down by it.
    const other = await h.createUser();
    expect((await call(a.url, '/v1/threads', other.apiKey)).status).toBe(200);
  });

  it('lets a browser page on an allowed origin read Retry-After', async () => {
    const origin = 'https://chat.example.test';
    const api = await replica({ LONGHAUL_RATE_LIMIT_PER_MINUTE: 1, LONGHAUL_CORS_ORIGINS: [origin] });
    const user = await h.createUser();
    expect((await call(api.url, '/v1/threads', user.apiKey, { headers: { origin } })).status).toBe(200);
    const refused = await call(api.url, '/v1/threads', user.apiKey, { headers: { origin } });
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
    expect(refused.headers.get('access-control-expose-headers')?.split(',')).toContain('retry-after');
    await expectRefused(refused, 'rate_limited', 1);
  });

  it('0 is unlimited', async () => {
    const api = await replica({ LONGHAUL_RATE_LIMIT_PER_MINUTE: 0 });
    const user = await h.createUser();
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => call(api.url, '/v1/threads', user.apiKey).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('failed authentications per client address', () => {
  /** Behind one trusted proxy, so each test is a client address of its own (TEST-NET-3). */
  const settings = { LONGHAUL_TRUST_PROXY: 1, LONGHAUL_AUTH_FAILURES_PER_MINUTE: 3 };
  const newAddress = () => `203.0.113.${randomInt(1, 255)}, 198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

  it('counts only failures, on every replica, then refuses the address with 429 too_many_auth_failures', async () => {
    const [a, b] = [await replica(settings), await replica(settings)];
    const address = newAddress();
    // Successes do not count.
    for (let i = 0; i < 5; i++) expect((await call(a.url, '/v1/threads', h.apiKey, from(address))).status).toBe(200);
    const failures = [];
    for (const api of [a, b, a])
      failures.push((await call(api.url, '/v1/threads', 'lh_not-a-key', from(address))).status);
    expect(failures).toEqual([401, 401, 401]);

    // Past the limit even a valid key waits: a guesser must not learn which of its guesses was right.
    await expectRefused(
      await call(b.url, '/v1/threads', 'lh_another-guess', from(address)),
      'too_many_auth_failures',
      3,
    );
    await expectRefused(await call(a.url, '/v1/threads', h.apiKey, from(address)), 'too_many_auth_failures', 3);

    expect((await call(b.url, '/v1/threads', h.apiKey, from(newAddress()))).status).toBe(200);
  });

  it('holds against a burst of parallel guesses: exactly the limit are checked, the rest refused unchecked', async () => {
    const [a, b] = [await replica(settings), await replica(settings)];
    const address = newAddress();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(i % 2 ? a.url : b.url, '/v1/threads', `lh_guess-${i}`, from(address)).then((r) => r.status),
      ),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(9);
  });

  it('does not count requests that carry no credentials', async () => {
    const api = await replica(settings);
    const address = newAddress();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${api.url}/v1/threads`, from(address));
      expect(response.status).toBe(401);
    }
    expect((await call(api.url, '/v1/threads', h.apiKey, from(address))).status).toBe(200);
  });

  it('0 is unlimited', async () => {
    const api = await replica({ ...settings, LONGHAUL_AUTH_FAILURES_PER_MINUTE: 0 });
    const address = newAddress();
    for (let i = 0; i < 10; i++)
      expect((await call(api.url, '/v1/threads', 'lh_wrong', from(address))).status).toBe(401);
    expect((await call(api.url, '/v1/threads', h.apiKey, from(address))).status).toBe(200);
  });
});

describe('active completions per user', () => {
  /** A replica has the built-in agents only, not the harness's test agent. */
  const startsTurns = { LONGHAUL_DEFAULT_AGENT: 'assistant' };

  it('counts running and queued turns across replicas, refuses the next with nothing written or started, and frees on end', async () => {
    const b = await replica({ ...startsTurns, LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: ACTIVE_LIMIT });
    const user = await h.createUser();
    h.model.reset();
    h.model.enqueue({ kind: 'hang', chunks: ['thinking'] });
    const thread = (await readJson(
      await call(h.apiUrl, '/v1/threads', user.apiKey, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ doubleTextPolicy: 'enqueue' }),
      }),
    )) as { id: string };
    const running = await startRest(h.apiUrl, user.apiKey, { threadId: thread.id, message: 'first' });
    expect(running.status).toBe(202);
    const { completionId } = (await readJson(running)) as { completionId: string };
    await h.model.waitForRequests(1);
    // Queued behind the running one (enqueue): it will start a completion too, so it counts.
    expect((await startRest(b.url, user.apiKey, { threadId: thread.id, message: 'second' })).status).toBe(202);

    const before = await rowsOf(user.userId);
    const workflowsBefore = await workflowsOf(user.userId);
    await expectRefused(
      await startRest(b.url, user.apiKey, { message: 'third' }),
      'too_many_active_completions',
      ACTIVE_LIMIT,
    );
    await expectRefused(
      await postChat(
        h,
        { id: `chat-${randomUUID()}`, trigger: 'submit-message', messages: [userMessage('fourth')] },
        user.apiKey,
      ),
      'too_many_active_completions',
      ACTIVE_LIMIT,
    );
    expect(await rowsOf(user.userId)).toEqual(before);
    expect(await workflowsOf(user.userId)).toBe(workflowsBefore);
    expect(h.model.requests).toHaveLength(1);

    // Someone else's turns are theirs to count.
    const other = await h.createUser();
    expect((await startRest(b.url, other.apiKey, { message: 'mine' })).status).toBe(202);

    // Once the turns end, their slots are free again.
    expect(
      (await call(h.apiUrl, `/v1/completions/${completionId}/cancel`, user.apiKey, { method: 'POST' })).status,
    ).toBeLessThan(300);
    await waitFor(
      async () =>
        (
          await h.pool.query(
            `SELECT 1 FROM completions WHERE user_id = $1 AND status IN ('queued', 'running', 'awaiting_approval')`,
            [user.userId],
          )
        ).rowCount === 0,
      20_000,
      'both turns ended',
    );
    expect((await startRest(b.url, user.apiKey, { message: 'third, later' })).status).toBe(202);
  });

  it('holds when turns on different threads open at the same moment on two replicas', async () => {
    const b = await replica({ ...startsTurns, LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: ACTIVE_LIMIT });
    const user = await h.createUser();
    h.model.enqueue(...Array.from({ length: ACTIVE_LIMIT }, () => ({ kind: 'hang' as const })));
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => startRest(i % 2 ? h.apiUrl : b.url, user.apiKey, { message: `race ${i}` })),
    );
    const accepted = responses.filter((response) => response.status === 202);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(8 - ACTIVE_LIMIT);
    expect(accepted).toHaveLength(ACTIVE_LIMIT);
    expect((await rowsOf(user.userId)).completions).toBe(ACTIVE_LIMIT);
    for (const response of accepted) {
      const { completionId } = (await readJson(response)) as { completionId: string };
      await call(h.apiUrl, `/v1/completions/${completionId}/cancel`, user.apiKey, { method: 'POST' });
    }
  });

  it('0 is unlimited', async () => {
    const api = await replica({ ...startsTurns, LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: 0 });
    const user = await h.createUser();
    h.model.enqueue(...Array.from({ length: ACTIVE_LIMIT + 1 }, () => ({ kind: 'hang' as const })));
    const ids: string[] = [];
    for (let i = 0; i <= ACTIVE_LIMIT; i++) {
      const response = await startRest(api.url, user.apiKey, { message: `turn ${i}` });
      expect(response.status).toBe(202);
      ids.push(((await readJson(response)) as { completionId: string }).completionId);
    }
    for (const id of ids) await call(api.url, `/v1/completions/${id}/cancel`, user.apiKey, { method: 'POST' });
  });
});

describe('open SSE streams per user', () => {
  it('counts every SSE route on every replica, refuses the next with nothing started, and a closed stream frees its slot', async () => {
    const b = await replica({ LONGHAUL_MAX_STREAMS_PER_USER: STREAM_LIMIT });
    const user = await h.createUser();
    const first = await openStream(h.apiUrl, '/v1/events', user.apiKey);
    const second = await openStream(b.url, '/v1/events', user.apiKey);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);

    const before = await rowsOf(user.userId);
    const requestsBefore = h.model.requests.length;
    await expectRefused(await call(b.url, '/v1/events', user.apiKey), 'too_many_streams', STREAM_LIMIT);
    const chatId = `chat-${randomUUID()}`;
    await expectRefused(
      await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hello')] }, user.apiKey),
      'too_many_streams',
      STREAM_LIMIT,
    );
    expect(await rowsOf(user.userId)).toEqual(before);
    expect(h.model.requests.length).toBe(requestsBefore);

    // The other SSE routes count the same way (a thread and completion of this user to ask about).
    await first.close();
    let chat!: Response;
    await waitFor(
      async () => {
        chat = await postChat(
          h,
          { id: chatId, trigger: 'submit-message', messages: [userMessage('hello')] },
          user.apiKey,
        );
        return chat.status !== 429;
      },
      10_000,
      'a slot freed by the closed stream',
    );
    expect(chat.status).toBe(200);
    const completionId = chat.headers.get('x-longhaul-completion-id')!;
    await chat.text();
    const third = await openStream(h.apiUrl, '/v1/events', user.apiKey);
    expect(third.response.status).toBe(200);
    await expectRefused(
      await call(h.apiUrl, `/v1/completions/${completionId}/events`, user.apiKey),
      'too_many_streams',
      STREAM_LIMIT,
    );
    await expectRefused(await call(b.url, `/api/chat/${chatId}/stream`, user.apiKey), 'too_many_streams', STREAM_LIMIT);

    await Promise.all([second.close(), third.close()]);
    await waitFor(
      async () =>
        (await call(b.url, `/v1/completions/${completionId}/events`, user.apiKey).then(async (r) => {
          await r.text();
          return r.status;
        })) === 200,
      10_000,
      'slots freed',
    );
  });

  it('holds when streams open at the same moment on two replicas', async () => {
    const b = await replica({ LONGHAUL_MAX_STREAMS_PER_USER: STREAM_LIMIT });
    const user = await h.createUser();
    const streams = await Promise.all(
      Array.from({ length: 8 }, (_, i) => openStream(i % 2 ? h.apiUrl : b.url, '/v1/events', user.apiKey)),
    );
    const statuses = streams.map((stream) => stream.response.status);
    await Promise.all(streams.map((stream) => stream.close()));
    expect(statuses.filter((status) => status === 200)).toHaveLength(STREAM_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(8 - STREAM_LIMIT);
  });

  it('a replica that dies without closing its streams holds their slots only until their leases lapse', async () => {
    const ownRedis = createRedis(h.config.REDIS_URL, 'longhaul-test-doomed-replica');
    // Closed by the test itself, as it dies.
    const doomed = await startApiBeside(h, {
      config: { LONGHAUL_MAX_STREAMS_PER_USER: STREAM_LIMIT },
      redis: ownRedis,
    });
    const user = await h.createUser();
    const kept = await openStream(h.apiUrl, '/v1/events', user.apiKey);
    const orphan = await openStream(doomed.url, '/v1/events', user.apiKey);
    expect([kept.response.status, orphan.response.status]).toEqual([200, 200]);

    // Open streams renew their leases: well past one lease (3 keep-alive ticks of 1 s) both still count.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    await expectRefused(await call(h.apiUrl, '/v1/events', user.apiKey), 'too_many_streams', STREAM_LIMIT);

    // The replica loses Redis and dies: nothing releases its stream, so only the lease's expiry can.
    ownRedis.disconnect();
    await doomed.close();
    await orphan.close();
    const lapsedBy = Date.now();
    let replacement!: Response;
    await waitFor(
      async () => {
        replacement = await call(h.apiUrl, '/v1/events', user.apiKey);
        if (replacement.status === 200) return true;
        await replacement.text();
        return false;
      },
      10_000,
      'the dead replica’s lease lapsed',
    );
    expect(Date.now() - lapsedBy).toBeLessThan(5_000);
    await replacement.body?.cancel();
    await kept.close();
  });

  it('0 is unlimited', async () => {
    const api = await replica({ LONGHAUL_MAX_STREAMS_PER_USER: 0 });
    const user = await h.createUser();
    const streams = await Promise.all(
      Array.from({ length: STREAM_LIMIT + 3 }, () => openStream(api.url, '/v1/events', user.apiKey)),
    );
    expect(streams.map((stream) => stream.response.status)).toEqual(streams.map(() => 200));
    await Promise.all(streams.map((stream) => stream.close()));
  });
});
