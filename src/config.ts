/**
 * The only reader of process.env. Parsed once at start; a bad value stops the process with a message that names
 * the variable and what it expects, instead of failing later somewhere far from the cause.
 */
import { z } from 'zod';
import { MAX_STEPS_LIMIT } from './agents/agent-definition.js';
import { hostPatternSchema } from './tools/egress-hosts.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** A limit where 0 means none. */
const limit = z.coerce.number().int().min(0);
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
      message: `must be a ${protocols.join(' or ')} URL`,
    });
/** Plain http only to this machine: keys fetched over an open network could be swapped in transit. */
const jwksUrl = url(['https', 'http']).refine(
  (value) => value.startsWith('https:') || ['localhost', '127.0.0.1', '[::1]'].includes(new URL(value).hostname),
  { message: 'must be an https URL (http only for localhost)' },
);
/** An exact origin (scheme://host[:port]), compared byte for byte with the Origin header: no wildcard, no path. */
const exactOrigin = z
  .string()
  .refine((origin) => !origin.includes('*') && URL.canParse(origin) && new URL(origin).origin === origin, {
    message: 'must be exact origins such as https://chat.example.com (no path, no trailing slash, no *)',
  });
const corsOrigins = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(exactOrigin));
const modelString = z
  .string()
  .regex(/^(openai|anthropic):[A-Za-z0-9._\-/:@]{1,120}$/, 'must look like openai:<model> or anthropic:<model>');

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  DATABASE_URL: url(['postgres', 'postgresql']).default('postgres://longhaul:longhaul@127.0.0.1:5432/longhaul'),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('longhaul'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(url(['http', 'https']).optional()),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString.pipe(url(['http', 'https']).optional()),
  LONGHAUL_DEFAULT_MODEL: modelString.default('openai:gpt-4.1-mini'),
  /** Comma-separated allowlist of model strings; empty means any model of a configured provider. */
  LONGHAUL_MODELS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    )
    .pipe(z.array(modelString)),
  LONGHAUL_MAX_BODY_BYTES: positiveInt.default(1_000_000),
  /** Characters of one message's text (each text part, and POST /v1/completions' message). */
  LONGHAUL_MAX_MESSAGE_CHARS: positiveInt.default(100_000),
  /** Proxies in front of the API whose X-Forwarded-* headers are believed: false (none), true (one) or a count. */
  LONGHAUL_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, 'must be true, false or the number of proxies in front of the API')
    .default('false')
    .transform((value) => (value === 'true' ? 1 : value === 'false' ? 0 : Number(value))),
  /** HS256 secret shared with the product's backend that mints browser tokens; enables JWT bearer auth. */
  LONGHAUL_JWT_SECRET: optionalString.pipe(
    z
      .string()
      .refine((value) => Buffer.byteLength(value) >= 32, { message: 'must be at least 32 bytes' })
      .optional(),
  ),
  /** JWKS of the token issuer (RS256/ES256); enables JWT bearer auth. Both this and the secret may be set. */
  LONGHAUL_JWKS_URL: optionalString.pipe(jwksUrl.optional()),
  /** Required `iss` of every token, when set. */
  LONGHAUL_JWT_ISSUER: optionalString,
  /** Required `aud` of every token, when set. */
  LONGHAUL_JWT_AUDIENCE: optionalString,
  /** Clock difference tolerated on `exp` and `nbf`. */
  LONGHAUL_JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Least time between two JWKS fetches that a token with an unknown `kid` may cause (rotations wait this long). */
  LONGHAUL_JWKS_COOLDOWN_SECONDS: positiveInt.max(3600).default(30),
  /** Browser origins allowed to call the API (comma-separated); empty = no CORS headers at all. */
  LONGHAUL_CORS_ORIGINS: corsOrigins,
  /** Requests per user per minute, counted in Redis across replicas; 0 = unlimited. */
  LONGHAUL_RATE_LIMIT_PER_MINUTE: limit.default(600),
  /** Refused credentials per client address per minute before the address waits out the minute; 0 = unlimited. */
  LONGHAUL_AUTH_FAILURES_PER_MINUTE: limit.default(30),
  /** Queued, running or awaiting-approval completions per user; 0 = unlimited. */
  LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: limit.default(10),
  /** Open SSE streams per user, across replicas; 0 = unlimited. */
  LONGHAUL_MAX_STREAMS_PER_USER: limit.default(20),
  LONGHAUL_MAX_STEPS: positiveInt.max(MAX_STEPS_LIMIT).default(8),
  /** Model steps a completion's workflow run takes before it continues as new, keeping its history small. */
  LONGHAUL_STEPS_PER_RUN: positiveInt.max(MAX_STEPS_LIMIT).default(50),
  LONGHAUL_MAX_OUTPUT_TOKENS: positiveInt.default(4096),
  /** Tokens (input + output, all attempts) one completion may use; 0 = unlimited. */
  LONGHAUL_COMPLETION_TOKEN_BUDGET: z.coerce.number().int().min(0).default(0),
  /**
   * The context window (tokens) of every agent's model, overriding agents' and models' own: for small local models
   * and for tests. A transcript that would not fit is compacted (README "Context policy").
   */
  LONGHAUL_CONTEXT_WINDOW_TOKENS: positiveInt.optional(),
  /** Tokens one user may use per UTC day; 0 = unlimited. */
  LONGHAUL_USER_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(0),
  /** A model stream silent for this long is aborted and retried. */
  LONGHAUL_STALL_TIMEOUT_MS: positiveInt.default(30_000),
  /** Most often a worker reports activity heartbeats: bounds how long a Stop takes to reach the model call. */
  LONGHAUL_HEARTBEAT_THROTTLE_MS: positiveInt.default(200),
  LONGHAUL_STOP_CONFIRM_TIMEOUT_MS: positiveInt.default(60_000),
  /** What a message sent while the thread's previous answer still runs does, for threads that do not say. */
  LONGHAUL_DOUBLE_TEXT_POLICY: z.enum(['reject', 'enqueue', 'interrupt', 'steer']).default('reject'),
  LONGHAUL_STREAM_MAXLEN: positiveInt.default(20_000),
  LONGHAUL_STREAM_TTL_SECONDS: positiveInt.default(24 * 3600),
  /**
   * How long a finished completion's Redis keys (its replay log) stay, for a viewer reconnecting after a network
   * blip; replays after that are rebuilt from Postgres. Running completions keep theirs (see the stream TTL).
   */
  LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS: positiveInt.max(7 * 24 * 3600).default(300),
  /**
   * Workflows the worker keeps in memory between their tasks (running and waiting turns, durable tool calls); one
   * pushed out is rebuilt from its history on its next task, which costs little: a completion's history stays about
   * 15 events whatever the answer's length. The SDK's default grows with the V8 heap limit (about 2,300 with a 4 GB
   * heap), and a workflow terminated from outside, or waiting days for an approval, would sit in it.
   */
  LONGHAUL_WORKER_MAX_CACHED_WORKFLOWS: positiveInt.min(2).default(250),
  /** Workflow tasks one worker runs at once (the SDK's default is 40); at most the cache size. */
  LONGHAUL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.min(2).default(40),
  LONGHAUL_SSE_KEEPALIVE_MS: positiveInt.default(15_000),
  /** Bytes of chunks one SSE viewer that stops reading may have queued before it is closed to resume later. */
  LONGHAUL_SSE_MAX_BUFFERED_BYTES: positiveInt.default(1_048_576),
  /**
   * The `ai` major version assumed for clients that do not say (header x-longhaul-ui-version): 7, because stock
   * useChat 7 sends no header; ai 6 and 5 apps send theirs.
   */
  LONGHAUL_UI_VERSION: z.enum(['5', '6', '7']).default('7'),
  LONGHAUL_FETCH_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  LONGHAUL_FETCH_MAX_BYTES: positiveInt.default(2_000_000),
  LONGHAUL_FETCH_TIMEOUT_MS: positiveInt.default(15_000),
  LONGHAUL_FETCH_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  /**
   * Comma-separated hosts fetch_url (and any egress tool) may reach: `example.com`, `*.example.com`, `host:port`.
   * Empty = any public host. Agents may narrow it further, never widen it.
   */
  LONGHAUL_FETCH_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim())
        .filter(Boolean),
    )
    .pipe(z.array(hostPatternSchema)),
  /**
   * Put the thread title (the first 80 characters of the user's first message) in each completion's workflow
   * memo. Off by default: the memo is part of Temporal's history, which holds ids only.
   */
  LONGHAUL_MEMO_THREAD_TITLE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /** Base URL of the Temporal Web UI, for links in audit exports. */
  LONGHAUL_TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  /** When set, a worker process serves its own /metrics on this port (the API serves them on GET /metrics). */
  LONGHAUL_WORKER_METRICS_PORT: port.optional(),
  /** When set, /metrics (the API's and a worker's port) answers only `Authorization: Bearer <this token>`. */
  LONGHAUL_METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** When set (host:port), the Temporal SDK's own worker metrics are exported in Prometheus format there. */
  LONGHAUL_TEMPORAL_METRICS_ADDRESS: optionalString,
  /** The agent for threads and requests that name none. */
  LONGHAUL_DEFAULT_AGENT: z.string().min(1).default('assistant'),
  /** How deep research sub-agents may nest (a sub-agent of a sub-agent is depth 2). */
  LONGHAUL_MAX_AGENT_DEPTH: z.coerce.number().int().min(0).max(5).default(2),
  /** The shortest interval between a schedule's runs (`intervalSeconds`, and the gaps of a cron's next runs). */
  LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS: positiveInt.default(60),
  /** The project's configuration module (tools, agents); default `longhaul.config.ts` in the working directory. */
  LONGHAUL_CONFIG: optionalString,
  LONGHAUL_DATA_DIR: z.string().min(1).default('.longhaul'),
  SCRIPTED_MODEL_PORT: port.default(4010),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Config = z.infer<typeof envSchema>;

/** The settings that must agree with each other, checked once each is valid on its own. */
const configSchema = envSchema.superRefine((config, context) => {
  if (config.LONGHAUL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS > config.LONGHAUL_WORKER_MAX_CACHED_WORKFLOWS) {
    context.addIssue({
      code: 'custom',
      path: ['LONGHAUL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'],
      message: 'must not exceed LONGHAUL_WORKER_MAX_CACHED_WORKFLOWS',
    });
  }
});

/** Variables whose values never appear in an error message. */
const SECRETS = new Set(['LONGHAUL_JWT_SECRET', 'LONGHAUL_METRICS_TOKEN']);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an env-like record; throws ConfigError listing every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(env)');
    const shown = SECRETS.has(name) ? '(hidden)' : JSON.stringify(env[name] ?? '');
    return `  ${name}=${shown}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/**
 * The variables a project's configuration module may name as `${env:NAME}` (an MCP server's headers and env):
 * any name the project chooses, so they are handed over as they are rather than parsed with the schema above.
 */
export function projectEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** Parses process.env, or prints what is wrong and exits: for entry points only. */
export function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}
