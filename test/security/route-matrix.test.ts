/**
 * Every route of the app, read from its own route table, called as other users and with bad credentials. User A
 * owns a thread with a finished completion and one whose completion awaits approval; B (API key) and C (JWT) fill
 * each route's path parameters, and the ids in its body, with A's real ids, and must get exactly the answer they
 * get for made-up ids, see none of A's ids, and leave A's state as it was. Every authenticated route refuses a
 * missing credential, a revoked or expired key and an expired, foreign-signed or tampered token with 401.
 *
 * A route this file cannot classify (a path parameter without a fixture, a POST/PATCH without a body entry, a route
 * mounted before authentication that is not listed as open) fails a test naming what to add.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsersRepo } from '../../src/db/users-repo.js';
import { approvalIdFor } from '../../src/tools/args-digest.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startHarness } from '../support/harness.js';
import { harnessRoutes, type Route } from '../support/route-table.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'route-matrix-secret-at-least-32-bytes';
const testTools = createTestTools();
// At collection time: the tests below are generated from the route table of an app built like the harness's.
const h = await startHarness({ LONGHAUL_JWT_SECRET: SECRET }, { tools: testTools.definitions });
afterAll(async () => {
  // A's schedule lives in the shared Temporal namespace: it must not outlive the file.
  const scheduleId = subjects.find((subject) => subject.scheduleId)?.scheduleId;
  if (scheduleId) expect((await h.api(`/v1/schedules/${scheduleId}`, { method: 'DELETE' })).status).toBe(204);
  await h.close();
});

const routes = harnessRoutes(h, testTools.definitions);
const routeKey = (route: Route) => `${route.method} ${route.path}`;

/** The only routes anyone may call without credentials. */
const OPEN_ROUTES = ['GET /healthz', 'GET /metrics'];

/** One of A's things a route can name: a thread, its latest completion and user message, a pending tool call. */
interface Subject {
  name: string;
  threadId: string;
  completionId: string;
  messageId: string;
  toolCallId?: string;
  argsDigest?: string;
  /** A schedule of A's that posts to the thread. */
  scheduleId?: string;
}
type SubjectField = Exclude<keyof Subject, 'name'>;
/** Not ids: sent as they are in both the real and the made-up request (B knows them, say from a screenshot). */
const NOT_IDS: SubjectField[] = ['argsDigest'];

/** Which of a subject's ids each path parameter takes; `:id` is the resource its path names. */
const PARAM_FIXTURES: Record<string, (path: string) => SubjectField | undefined> = {
  threadId: () => 'threadId',
  messageId: () => 'messageId',
  toolCallId: () => 'toolCallId',
  id: (path) =>
    path.startsWith('/v1/threads/')
      ? 'threadId'
      : path.startsWith('/v1/completions/')
        ? 'completionId'
        : path.startsWith('/v1/schedules/')
          ? 'scheduleId'
          : undefined,
};

interface BodyCase {
  name: string;
  /** `own`: the caller's own thread whose turn awaits approval (so a request gets past the thread's ownership). */
  body: (subject: Subject, own: { threadId: string }) => unknown;
  /** The subject fields the body uses; a subject without one of them is not tried. */
  needs: SubjectField[];
  /**
   * The request makes the caller a thread of A's thread id (ids a client chooses are its own). It is sent by a
   * caller of the same kind made for it alone, so the cases after it meet B and C without a thread of that id.
   */
  createsCallersThread?: boolean;
}

const assistantApproval = (subject: Subject) => ({
  id: `a-${randomUUID()}`,
  role: 'assistant',
  parts: [
    {
      type: 'tool-transfer',
      toolCallId: subject.toolCallId,
      state: 'approval-responded',
      input: { amount: 5 },
      approval: { id: approvalIdFor(subject.toolCallId!, subject.argsDigest!), approved: true },
    },
  ],
});

const userInput = (content: string) => ({ id: `u-${randomUUID()}`, role: 'user', content });
const agUiResume = (threadId: string, subject: Subject) => ({
  threadId,
  runId: 'r-1',
  messages: [userInput('pay')],
  resume: [
    {
      interruptId: approvalIdFor(subject.toolCallId!, subject.argsDigest!),
      status: 'resolved',
      payload: { approved: true },
    },
  ],
});

/** A valid body for every POST/PATCH route (`none`: the route reads no body), so requests reach the ownership check. */
const BODIES: Record<string, BodyCase[] | 'none'> = {
  'POST /api/chat': [
    {
      name: 'a new message on the thread id',
      needs: ['threadId'],
      body: (s) => ({ id: s.threadId, trigger: 'submit-message', messages: [userMessage('hello from B')] }),
      createsCallersThread: true,
    },
    {
      name: 'a regenerate of the thread’s user message',
      needs: ['threadId', 'messageId'],
      body: (s) => ({
        id: s.threadId,
        trigger: 'regenerate-message',
        messages: [{ id: s.messageId, role: 'user', parts: [{ type: 'text', text: 'again' }] }],
      }),
    },
    {
      name: 'an approval response for the pending tool call',
      needs: ['threadId', 'toolCallId', 'argsDigest'],
      body: (s) => ({ id: s.threadId, trigger: 'submit-message', messages: [assistantApproval(s)] }),
    },
    {
      name: 'an approval response for the tool call, on the caller’s own thread awaiting approval',
      needs: ['toolCallId', 'argsDigest'],
      body: (s, own) => ({ id: own.threadId, trigger: 'submit-message', messages: [assistantApproval(s)] }),
    },
  ],
  'POST /api/chat/:threadId/stop': 'none',
  'POST /ag-ui': [
    {
      name: 'an AG-UI run with a new message on the thread id',
      needs: ['threadId'],
      body: (s) => ({ threadId: s.threadId, runId: 'r-1', messages: [userInput('hello from B')] }),
      createsCallersThread: true,
    },
    {
      name: 'an AG-UI resume of the pending tool call',
      needs: ['threadId', 'toolCallId', 'argsDigest'],
      body: (s) => agUiResume(s.threadId, s),
    },
    {
      name: 'an AG-UI resume of the tool call, on the caller’s own thread awaiting approval',
      needs: ['toolCallId', 'argsDigest'],
      body: (s, own) => agUiResume(own.threadId, s),
    },
  ],
  'POST /api/chat/:threadId/steer': [
    {
      name: 'a steering message for the thread’s answer',
      needs: [],
      body: () => ({ id: `s-${randomUUID()}`, parts: [{ type: 'text', text: 'steer from B' }], mode: 'now' }),
    },
  ],
  'POST /v1/threads': [
    {
      name: 'the thread id',
      needs: ['threadId'],
      body: (s) => ({ id: s.threadId, title: 'mine now' }),
      createsCallersThread: true,
    },
  ],
  'PATCH /v1/threads/:id': [{ name: 'a new title', needs: [], body: () => ({ title: 'renamed by another user' }) }],
  'POST /v1/completions': [
    { name: 'a message on the thread', needs: ['threadId'], body: (s) => ({ threadId: s.threadId, message: 'hello' }) },
  ],
  'POST /v1/completions/:id/cancel': 'none',
  'POST /v1/schedules': [
    {
      name: 'a schedule on the thread',
      needs: ['threadId'],
      body: (s) => ({ agent: 'tester', message: 'hello from B', threadId: s.threadId, cron: '0 8 * * *' }),
    },
  ],
  'POST /v1/schedules/:id/pause': 'none',
  'POST /v1/schedules/:id/resume': 'none',
  'POST /v1/schedules/:id/trigger': 'none',
  'POST /v1/approvals/:toolCallId': [
    {
      name: 'an approval with the call’s real digest',
      needs: ['argsDigest'],
      body: (s) => ({ decision: 'approve', argsDigest: s.argsDigest }),
    },
    {
      name: 'a denial with the call’s real digest',
      needs: ['argsDigest'],
      body: (s) => ({ decision: 'deny', argsDigest: s.argsDigest, reason: 'no' }),
    },
  ],
};

/** Query strings for the caller's own listings: the user channel replayed from its start. */
const OWN_QUERIES: Record<string, string> = { 'GET /v1/events': '?lastEventId=0' };

const HAS_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** What a route needs filled in, or why this file cannot call it. */
function classify(route: Route): { fields: SubjectField[]; bodies: BodyCase[] } | { missing: string } {
  if (route.method === 'USE') return { missing: `${route.path}: a router.use() layer; classify it in this file` };
  if (route.regexp)
    return { missing: `${routeKey(route)}: a RegExp path; give it a string path with named parameters` };
  const fields: SubjectField[] = [];
  for (const param of route.params) {
    const field = PARAM_FIXTURES[param]?.(route.path);
    if (!field) {
      return {
        missing: `${routeKey(route)}: path parameter :${param} has no fixture; add one to PARAM_FIXTURES in this file`,
      };
    }
    fields.push(field);
  }
  const bodies = BODIES[routeKey(route)];
  if (HAS_BODY.has(route.method) && bodies === undefined) {
    return { missing: `${routeKey(route)} has no entry in BODIES; add a valid body (or 'none') in this file` };
  }
  const noBody: BodyCase = { name: 'no body', needs: [], body: () => undefined };
  return { fields, bodies: bodies === undefined || bodies === 'none' ? [noBody] : bodies };
}

let subjects: Subject[] = [];
/** Every id of A's: none may appear in another user's answer unless that user sent it. */
let idsOfA: string[] = [];
/** B calls with an API key, C with a JWT; each has a thread of its own whose turn awaits approval. */
const callers = {
  B: { name: 'B (API key)', key: '', own: { threadId: '' } },
  C: { name: 'C (JWT)', key: '', own: { threadId: '' } },
};
type CallerName = keyof typeof callers;
const credentials: Record<string, string> = {};

const now = () => Math.floor(Date.now() / 1000);
const jwt = (sub: string, exp = now() + 300, secret = SECRET) =>
  new SignJWT({})
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(exp)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));

/** A turn of A's, read to its end, with the ids it left behind. */
async function finishedTurnOfA(): Promise<Subject> {
  const threadId = `chat-${randomUUID()}`;
  const response = await postChat(h, { id: threadId, trigger: 'submit-message', messages: [userMessage('hi')] });
  const completionId = response.headers.get('x-longhaul-completion-id')!;
  await readValidatedChunks(response);
  await waitFor(async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed');
  return { name: 'finished turn', threadId, completionId, messageId: await userMessageId(threadId) };
}

/** A turn of the caller's that ends waiting for approval of a transfer. */
async function awaitingTurnOf(key: string): Promise<{ threadId: string }> {
  h.model.enqueue({ kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: [JSON.stringify({ amount: 1 })] }] });
  const threadId = `chat-${randomUUID()}`;
  const body = { id: threadId, trigger: 'submit-message', messages: [userMessage('pay')], tools: ['transfer'] };
  await readValidatedChunks(await postChat(h, body, key));
  await waitFor(async () => (await readJson(await h.api('/v1/approvals', { key }))).approvals.length === 1);
  return { threadId };
}

async function userMessageId(threadId: string): Promise<string> {
  const { messages } = await readJson(await h.api(`/v1/threads/${threadId}/messages`));
  return messages.find((message: { role: string }) => message.role === 'user').id;
}

beforeAll(async () => {
  const finished = await finishedTurnOfA();
  const pending = await startPendingTransfer(h, { amount: 5 });
  const schedule = await h.api('/v1/schedules', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agent: 'tester', message: 'daily', threadId: finished.threadId, cron: '0 8 * * *' }),
  });
  expect(schedule.status).toBe(201);
  subjects = [
    { ...finished, scheduleId: (await readJson(schedule)).id },
    {
      name: 'turn awaiting approval',
      threadId: pending.chatId,
      completionId: pending.completionId,
      messageId: await userMessageId(pending.chatId),
      toolCallId: pending.approval.toolCallId,
      argsDigest: pending.approval.argsDigest,
    },
  ];
  const messageIds = await Promise.all(
    subjects.map(async (s) => (await readJson(await h.api(`/v1/threads/${s.threadId}/messages`))).messages),
  );
  idsOfA = [
    h.userId,
    ...subjects.flatMap((s) => [
      s.threadId,
      s.completionId,
      s.messageId,
      ...(s.toolCallId ? [s.toolCallId] : []),
      ...(s.scheduleId ? [s.scheduleId] : []),
    ]),
    ...messageIds.flat().map((message: { id: string }) => message.id),
  ];

  // A is also known by a token subject, so the refused tokens below claim to be A.
  const subjectOfA = `matrix-a-${randomUUID()}`;
  await h.pool.query('UPDATE users SET external_subject = $1 WHERE id = $2', [subjectOfA, h.userId]);
  callers.B.key = (await h.createUser()).apiKey;
  callers.C.key = await jwt(`matrix-c-${randomUUID()}`, now() + 3_600);
  for (const caller of Object.values(callers)) caller.own = await awaitingTurnOf(caller.key);

  const users = createUsersRepo(h.pool);
  const revoked = await users.issueApiKey(h.userId, { label: 'revoked' });
  expect((await h.api('/v1/threads', { key: revoked.key })).status).toBe(200);
  expect((await users.revokeApiKey(revoked.id)).status).toBe('revoked');
  const [header, , signature] = callers.C.key.split('.');
  const payload = Buffer.from(JSON.stringify({ sub: subjectOfA, iat: now(), exp: now() + 300 })).toString('base64url');
  Object.assign(credentials, {
    'a revoked API key of A': revoked.key,
    'an expired API key of A': (await users.issueApiKey(h.userId, { expiresAt: new Date(Date.now() - 1000) })).key,
    'an expired token for A': await jwt(subjectOfA, now() - 300),
    'a token for A signed with another secret': await jwt(
      subjectOfA,
      now() + 300,
      'another-secret-that-is-32-bytes-long',
    ),
    'C’s token with its payload changed to A': `${header}.${payload}.${signature}`,
  });
  expect((await h.api(`/v1/threads/${finished.threadId}`, { key: await jwt(subjectOfA) })).status).toBe(200);
}, 120_000);

/** A's threads, transcripts, ledgers, completions and approval inbox, as A reads them. */
async function stateOfA() {
  const read = async (path: string) => {
    const response = await h.api(path);
    return { path, status: response.status, body: await response.json() };
  };
  return Promise.all([
    ...subjects.flatMap((s) => [
      read(`/v1/threads/${s.threadId}`),
      read(`/v1/threads/${s.threadId}/messages`),
      read(`/v1/threads/${s.threadId}/audit`),
      read(`/v1/completions/${s.completionId}`),
      ...(s.scheduleId ? [read(`/v1/schedules/${s.scheduleId}`)] : []),
    ]),
    read('/v1/schedules'),
    read('/v1/approvals'),
    read('/v1/threads'),
  ]);
}

interface Answer {
  status: number;
  code?: string;
  message?: string;
  text: string;
}

/** Status, error and body text; an event stream is read for at most `streamMs` (a live one never ends). */
async function answerOf(response: Response, streamMs = 1_500): Promise<Answer> {
  let text = '';
  if (response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const timer = setTimeout(() => void reader.cancel(), streamMs);
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) text += read.value;
    } finally {
      clearTimeout(timer);
    }
  }
  const error = response.headers.get('content-type')?.includes('application/json')
    ? JSON.parse(text)?.error
    : undefined;
  return { status: response.status, code: error?.code, message: error?.message, text };
}

function send(route: Route, path: string, body: unknown, key?: string): Promise<Response> {
  return fetch(`${h.apiUrl}${path}`, {
    method: route.method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
}

const fillPath = (route: Route, fields: SubjectField[], subject: Subject) =>
  route.params.reduce(
    (path, param, i) => path.replace(`:${param}`, encodeURIComponent(subject[fields[i]!]!)),
    route.path,
  );

/** The same subject with every id replaced by one nobody has. */
function madeUp(subject: Subject): Subject {
  const copy: Subject = { ...subject, name: `made-up ${subject.name}` };
  for (const field of Object.keys(subject) as (keyof Subject)[]) {
    if (field !== 'name' && !NOT_IDS.includes(field) && subject[field]) copy[field] = `made-up-${randomUUID()}`;
  }
  return copy;
}

/** A's ids in `text` other than the ones the caller sent itself. */
const leakedIds = (text: string, sent?: Subject) =>
  idsOfA.filter((id) => text.includes(id) && !Object.values(sent ?? {}).includes(id));

/** The answer with the ids the caller sent replaced by placeholders, for comparing real and made-up requests. */
function comparable(answer: Answer, sent: Subject) {
  let message = answer.message;
  for (const field of Object.keys(sent) as (keyof Subject)[]) {
    if (field !== 'name' && sent[field]) message = message?.replaceAll(sent[field], `<${field}>`);
  }
  return { status: answer.status, code: answer.code, message };
}

const unclassified = routes.flatMap((route) => {
  const classified = classify(route);
  return 'missing' in classified ? [classified.missing] : [];
});

describe('the route table', () => {
  it('has routes, each with fixtures for its path parameters and a body for each POST/PATCH', () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(unclassified).toEqual([]);
  });

  it(`mounts exactly ${OPEN_ROUTES.join(' and ')} before authentication; anything else needs credentials`, () => {
    expect(routes.filter((route) => route.open).map(routeKey)).toEqual(OPEN_ROUTES);
  });
});

const authenticated = routes.filter((route) => !route.open && !('missing' in classify(route)));

describe('open routes', () => {
  it.each(routes.filter((route) => route.open).map(routeKey))(
    '%s answers without credentials and shows none of A’s ids',
    async (key) => {
      const route = routes.find((r) => routeKey(r) === key)!;
      const answer = await answerOf(await send(route, route.path, undefined));
      expect(answer.status).toBe(200);
      expect(leakedIds(answer.text)).toEqual([]);
    },
  );
});

interface CrossUserCase {
  title: string;
  route: Route;
  fields: SubjectField[];
  bodyCase: BodyCase;
  subjectIndex: number;
  caller: CallerName;
}

const callerNames = Object.keys(callers) as CallerName[];
/** The subjects of the fixtures: filled in beforeAll, so cases name them by index and by what they need. */
const SUBJECT_SHAPES: { name: string; fields: SubjectField[] }[] = [
  { name: 'finished turn', fields: ['threadId', 'completionId', 'messageId', 'scheduleId'] },
  { name: 'turn awaiting approval', fields: ['threadId', 'completionId', 'messageId', 'toolCallId', 'argsDigest'] },
];

const crossUserCases: CrossUserCase[] = [];
const ownScopeRoutes: Route[] = [];
for (const route of authenticated) {
  const { fields, bodies } = classify(route) as { fields: SubjectField[]; bodies: BodyCase[] };
  for (const bodyCase of bodies) {
    const needs = [...fields, ...bodyCase.needs];
    if (needs.length === 0) {
      ownScopeRoutes.push(route);
      continue;
    }
    SUBJECT_SHAPES.forEach((shape, subjectIndex) => {
      if (!needs.every((field) => shape.fields.includes(field))) return;
      for (const caller of callerNames) {
        crossUserCases.push({
          title: `${callers[caller].name}: ${routeKey(route)} (${bodyCase.name}) on A’s ${shape.name}`,
          route,
          fields,
          bodyCase,
          subjectIndex,
          caller,
        });
      }
    });
  }
}

// Destructive requests last: were one to succeed, A's things would be gone for the cases after it.
crossUserCases.sort((a, b) => Number(a.route.method === 'DELETE') - Number(b.route.method === 'DELETE'));

let requestsMade = 0;

/** A caller of the same kind as B (API key) or C (JWT), with nothing of its own yet. */
async function throwawayCaller(kind: CallerName): Promise<{ key: string; own: { threadId: string } }> {
  const key = kind === 'B' ? (await h.createUser()).apiKey : await jwt(`matrix-${kind}-${randomUUID()}`, now() + 600);
  return { key, own: { threadId: '' } };
}

/** B's or C's request with A's ids and the same request with made-up ids, with A's state before and after. */
async function crossUserRequest(c: CrossUserCase) {
  const before = await stateOfA();
  const real = subjects[c.subjectIndex]!;
  const fake = madeUp(real);
  const { key, own } = c.bodyCase.createsCallersThread ? await throwawayCaller(c.caller) : callers[c.caller];
  const call = (subject: Subject) =>
    send(c.route, fillPath(c.route, c.fields, subject), c.bodyCase.body(subject, own), key).then((r) => answerOf(r));
  const forReal = await call(real);
  const forFake = await call(fake);
  requestsMade += 2;
  return { before, after: await stateOfA(), real, fake, forReal, forFake };
}

describe('another user naming A’s ids', () => {
  for (const c of crossUserCases) {
    it(`${c.title} answers as for made-up ids, shows none of A’s ids, changes nothing of A’s`, async () => {
      const { before, after, real, fake, forReal, forFake } = await crossUserRequest(c);
      expect(leakedIds(forReal.text, real)).toEqual([]);
      expect(comparable(forReal, real)).toEqual(comparable(forFake, fake));
      expect(after).toEqual(before);
    });
  }
});

describe('another user’s own listings', () => {
  for (const route of ownScopeRoutes) {
    for (const caller of callerNames) {
      it(`${callers[caller].name}: ${routeKey(route)} shows none of A’s ids`, async () => {
        const path = `${route.path}${OWN_QUERIES[routeKey(route)] ?? ''}`;
        const answer = await answerOf(await send(route, path, undefined, callers[caller].key));
        requestsMade += 1;
        expect(answer.status).toBe(200);
        expect(leakedIds(answer.text)).toEqual([]);
      });
    }
  }
});

const REFUSALS: Record<string, string> = {
  'no credentials': 'unauthorized',
  'a revoked API key of A': 'api_key_revoked',
  'an expired API key of A': 'api_key_expired',
  'an expired token for A': 'token_expired',
  'a token for A signed with another secret': 'invalid_token',
  'C’s token with its payload changed to A': 'invalid_token',
};

describe('bad credentials on A’s ids', () => {
  it.each(authenticated.map(routeKey))('%s answers 401 to each and changes nothing of A’s', async (key) => {
    const route = authenticated.find((r) => routeKey(r) === key)!;
    const { fields, bodies } = classify(route) as { fields: SubjectField[]; bodies: BodyCase[] };
    const subject = subjects.find((s) => [...fields, ...bodies[0]!.needs].every((field) => s[field] !== undefined))!;
    const before = await stateOfA();
    const answers: Record<string, string | undefined> = {};
    for (const [refusal, code] of Object.entries(REFUSALS)) {
      const answer = await answerOf(
        await send(
          route,
          fillPath(route, fields, subject),
          bodies[0]!.body(subject, callers.B.own),
          credentials[refusal],
        ),
      );
      requestsMade += 1;
      answers[refusal] = answer.status === 401 ? answer.code : `${answer.status} ${answer.code}`;
      expect(answers[refusal], refusal).toBe(code);
    }
    expect(await stateOfA()).toEqual(before);
  });
});

describe('afterwards', () => {
  it('A’s pending approval is still A’s to decide, and the turn completes', async () => {
    const pending = subjects[1]!;
    const decided = await h.api(`/v1/approvals/${pending.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: pending.argsDigest }),
    });
    expect(decided.status).toBe(200);
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${pending.completionId}`))).status === 'completed',
      20_000,
      'A’s turn completed',
    );
    expect(testTools.executions.get('transfer')).toBe(1);
    console.info(
      `route matrix: ${routes.length} routes (${authenticated.length} authenticated), ` +
        `${crossUserCases.length} cross-user cases, ${requestsMade} requests`,
    );
  });
});
