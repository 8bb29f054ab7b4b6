/**
 * Property-based fuzzing of every route that takes a body, found from the routers' own route table. Each gets
 * arbitrary JSON and raw text, and mutations of a valid body (NUL and lone surrogates, huge strings, wrong types,
 * extra and missing fields, deep nesting), sent to the real API with a valid key. Every answer is a success or a
 * 4xx with a JSON error (never a 5xx or a dropped connection), a 4xx leaves the user's threads, messages and
 * completions as they were, and /healthz still answers 200 after. The seed is fixed (LONGHAUL_FUZZ_SEED to change
 * it); a failure prints it with the counterexample, so it replays.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { startHarness } from '../support/harness.js';
import { harnessRoutes, type Route } from '../support/route-table.js';
import { waitFor } from '../support/wait-for.js';

const SEED = Number(process.env.LONGHAUL_FUZZ_SEED ?? 20_261_201);
const RUNS = { mutated: 70, arbitrary: 30, ignoredBody: 10 };

const h = await startHarness();
afterAll(async () => {
  // Fuzzed bodies that were valid made schedules in the shared Temporal namespace: none may outlive the file.
  const { schedules } = await readJson(await h.api('/v1/schedules'));
  for (const { id } of schedules as { id: string }[]) {
    expect((await h.api(`/v1/schedules/${id}`, { method: 'DELETE' })).status).toBe(204);
  }
  await h.close();
});
const fixtureThread = (await readJson(await postJson('/v1/threads', { title: 'fuzz fixture' }))).id as string;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A valid body of each route that reads one: the start of every mutation. Ids are fresh per case. */
const VALID_BODIES: Record<string, () => Json> = {
  'POST /api/chat': () => ({
    id: `fuzz-${randomUUID()}`,
    trigger: 'submit-message',
    messages: [{ id: 'u-1', role: 'user', parts: [{ type: 'text', text: 'hello' }] }],
    model: 'openai:gpt-test',
    tools: [],
    agent: 'tester',
  }),
  'POST /api/chat/:threadId/steer': () => ({
    id: `fuzz-${randomUUID()}`,
    parts: [{ type: 'text', text: 'hello' }],
    mode: 'next-step',
  }),
  'POST /ag-ui': () => ({
    threadId: `fuzz-${randomUUID()}`,
    runId: 'run-1',
    messages: [{ id: 'u-1', role: 'user', content: 'hello' }],
    tools: [],
    context: [],
    forwardedProps: { model: 'openai:gpt-test', tools: [], agent: 'tester' },
  }),
  'POST /v1/threads': () => ({
    id: `fuzz-${randomUUID()}`,
    title: 'fuzzed',
    doubleTextPolicy: 'enqueue',
    agent: 'tester',
  }),
  'PATCH /v1/threads/:id': () => ({ title: 'renamed', doubleTextPolicy: 'reject', agent: 'tester' }),
  'POST /v1/completions': () => ({ threadId: `fuzz-${randomUUID()}`, message: 'hello', tools: [] }),
  'POST /v1/approvals/:toolCallId': () => ({ decision: 'deny', reason: 'no', argsDigest: 'a'.repeat(64) }),
  'POST /v1/schedules': () => ({
    agent: 'tester',
    message: 'every morning',
    threadId: fixtureThread,
    cron: '0 8 * * *',
    timezone: 'Europe/Paris',
  }),
};
/** POST routes that act on their path alone; bodies sent to them must be ignored harmlessly. */
const IGNORES_BODY = [
  'POST /api/chat/:threadId/stop',
  'POST /v1/completions/:id/cancel',
  'POST /v1/schedules/:id/pause',
  'POST /v1/schedules/:id/resume',
  'POST /v1/schedules/:id/trigger',
];

const routes = harnessRoutes(h).filter((route) => ['POST', 'PUT', 'PATCH'].includes(route.method));
const routeKey = (route: Route) => `${route.method} ${route.path}`;
const casesRun = new Map<string, number>();
const statuses = new Map<number, number>();

function pathOf(route: Route): string {
  return route.path.replace(/:(\w+)/g, (_, name: string) => {
    if (name === 'toolCallId') return 'call_fuzz';
    if (name === 'threadId' || (name === 'id' && route.path.startsWith('/v1/threads'))) return fixtureThread;
    if (name === 'id') return 'cmp_fuzz';
    throw new Error(`${routeKey(route)}: no value for :${name}; add one to pathOf`);
  });
}

function postJson(path: string, body: unknown, method = 'POST'): Promise<Response> {
  return h.api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function ownedRows() {
  const { rows } = await h.pool.query(
    `SELECT (SELECT count(*) FROM threads WHERE user_id = $1)::int AS threads,
            (SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.user_id = $1)::int AS messages,
            (SELECT count(*) FROM completions WHERE user_id = $1)::int AS completions,
            (SELECT count(*) FROM schedules WHERE user_id = $1)::int AS schedules`,
    [h.userId],
  );
  return rows[0] as Record<string, number>;
}

/** A turn a fuzzed body started writes on in the background: wait for its end, so counts compare like with like. */
async function settled() {
  await waitFor(
    async () => {
      const { rows } = await h.pool.query(
        `SELECT count(*)::int AS n FROM completions WHERE user_id = $1 AND status NOT IN ('completed', 'cancelled', 'failed')`,
        [h.userId],
      );
      return rows[0].n === 0;
    },
    30_000,
    'the user’s completions to end',
  );
}

// ---- what gets sent ----

/** Deep nesting travels as a marker through the mutations and becomes brackets in the text sent (no recursion here). */
const deepMarker = (depth: number) => `__deep_${depth}__`;
const withDeepNesting = (json: string) =>
  json.replace(/"__deep_(\d+)__"/g, (_, depth: string) => `${'['.repeat(Number(depth))}${']'.repeat(Number(depth))}`);
const hostileString = fc.oneof(
  fc.string().map((s) => `${s}\u0000${s}`),
  fc.tuple(fc.string(), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff')).map(([s, half]) => `${s}${half}${s}`),
  fc.constantFrom(100_001, 150_000, 1_100_000).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../../etc', '<script>', "'; DROP TABLE threads; --", 'tool-x', 'approval-responded'),
);
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  hostileString,
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
  fc.constantFrom<Json>([], {}, -1, 0, 2 ** 53, 1e308),
  fc.integer({ min: 50, max: 5_000 }).map(deepMarker),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);
const fieldName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'id', 'parts', 'text', 'approval'),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
type Mutation =
  | { kind: 'poison'; at: number; hazard: string; keep: boolean }
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'remove'; at: number }
  | { kind: 'add'; at: number; key: string; value: Json };
/** What makes a string unstorable or oversize, put into one of the valid body's own strings. */
const hazard = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\udfff\ud800'),
  fc.constantFrom(129, 201, 100_001, 1_100_000).map((n) => 'x'.repeat(n)),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('poison' as const), at: fc.nat(), hazard, keep: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fieldName, value: hostileValue }),
  },
);

type Place = (string | number)[];
/** Every place in a value, the value itself first. */
function placesOf(value: Json, at: Place = []): Place[] {
  if (value === null || typeof value !== 'object') return [at];
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [at, ...children.flatMap(([key, child]) => placesOf(child, [...at, key]))];
}

const valueAt = (value: Json, place: Place): Json =>
  place.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key]!, value);

/**
 * `value` with one mutation applied at the `at`-th place (modulo the places there are; a poison goes into the
 * `at`-th string, kept around the hazard or replaced by it); `value` is not changed.
 */
function mutate(value: Json, m: Mutation): Json {
  const places = placesOf(value);
  if (m.kind === 'poison') {
    const strings = places.flatMap((place, index) => (typeof valueAt(value, place) === 'string' ? [index] : []));
    if (strings.length === 0) return value;
    const at = strings[m.at % strings.length]!;
    const text = valueAt(value, places[at]!) as string;
    return mutate(value, {
      kind: 'replace',
      at,
      value: m.keep ? `${text.slice(0, 2)}${m.hazard}${text.slice(2)}` : m.hazard,
    });
  }
  const place = places[m.at % places.length]!;
  if (place.length === 0) {
    if (m.kind === 'replace') return m.value;
    if (m.kind === 'add' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return Object.defineProperty({ ...value }, m.key, { value: m.value, enumerable: true });
    }
    return value;
  }
  const copy = structuredClone(value) as Record<string | number, Json>;
  const parent = valueAt(copy as Json, place.slice(0, -1)) as Json[] | Record<string, Json>;
  const key = place.at(-1)!;
  const target = (parent as Record<string | number, Json>)[key];
  if (m.kind === 'replace') (parent as Record<string | number, Json>)[key] = m.value;
  else if (m.kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else if (Array.isArray(target)) target.push(m.value);
  else if (target !== null && typeof target === 'object')
    Object.defineProperty(target, m.key, { value: m.value, enumerable: true });
  else (parent as Record<string | number, Json>)[key] = { [m.key]: m.value };
  return copy as Json;
}

/** A body as sent: JSON text (lone surrogates become `\ud800` escapes, which JSON.parse turns back into them). */
const mutatedBody = (valid: () => Json) =>
  fc
    .array(mutation, { minLength: 1, maxLength: 3 })
    .map((mutations) => withDeepNesting(JSON.stringify(mutations.reduce(mutate, valid()))));
const arbitraryBody = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1_000, max: 100_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1_000, max: 100_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);

// ---- what must hold ----

async function sendAndCheck(route: Route, body: string): Promise<void> {
  casesRun.set(routeKey(route), (casesRun.get(routeKey(route)) ?? 0) + 1);
  const before = await ownedRows();
  const response = await h.api(pathOf(route), {
    method: route.method,
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const where = `${routeKey(route)} answered ${response.status} ${text.slice(0, 300)}`;
  if (response.status >= 500) throw new Error(where);
  if (response.status >= 400) {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.code !== 'string' || typeof error.message !== 'string')
      throw new Error(`no JSON error: ${where}`);
    const after = await ownedRows();
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      throw new Error(`${where}, yet rows changed: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    }
  } else {
    await settled();
  }
}

const check = (route: Route, bodies: fc.Arbitrary<string>, numRuns: number) =>
  fc.assert(
    fc.asyncProperty(bodies, (body) => sendAndCheck(route, body)),
    { seed: SEED, numRuns, endOnFailure: true },
  );

describe('fuzzed bodies get a success or a 4xx JSON error, and a refused one writes nothing', () => {
  it('knows every route that takes a body', () => {
    const unknown = routes.map(routeKey).filter((key) => !(key in VALID_BODIES) && !IGNORES_BODY.includes(key));
    expect(unknown, 'add a valid body to VALID_BODIES (or the route to IGNORES_BODY)').toEqual([]);
  });

  for (const route of routes) {
    const valid = VALID_BODIES[routeKey(route)];
    if (!valid) {
      it(
        `${routeKey(route)} ignores whatever body it is sent`,
        () => check(route, arbitraryBody, RUNS.ignoredBody),
        120_000,
      );
      continue;
    }
    it(`${routeKey(route)} gets past validation with its valid body`, async () => {
      const response = await h.api(pathOf(route), {
        method: route.method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(valid()),
      });
      // Past validation: a success, or (for a made-up tool call) a 404 from the lookup after it.
      expect(response.status, await response.text()).toBeLessThan(500);
      expect([400, 413, 415]).not.toContain(response.status);
      await settled();
    }, 60_000);
    it(
      `${routeKey(route)} survives mutations of its valid body`,
      () => check(route, mutatedBody(valid), RUNS.mutated),
      600_000,
    );
    it(
      `${routeKey(route)} survives arbitrary JSON and raw text`,
      () => check(route, arbitraryBody, RUNS.arbitrary),
      300_000,
    );
  }

  it('leaves the server healthy', async () => {
    const health = await fetch(`${h.apiUrl}/healthz`);
    expect(health.status).toBe(200);
    const total = [...casesRun.values()].reduce((sum, n) => sum + n, 0);
    console.log(
      `fuzz-bodies: seed ${SEED}, ${total} cases: ${JSON.stringify(Object.fromEntries(casesRun))}; ` +
        `answers: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });
});
