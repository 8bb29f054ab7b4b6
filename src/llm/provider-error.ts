/**
 * One error type for every way a model call can fail, so callers decide on retries from `retryable` and
 * `retryAfterMs` instead of knowing two SDKs' error classes. SDK retries are off (`maxRetries: 0`): Temporal
 * owns retries, and this classification is what it acts on.
 */
import { STATUS_CODES } from 'node:http';
import * as OpenAISdk from 'openai';
import * as AnthropicSdk from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { ProviderName } from './types.js';

export interface ProviderErrorInit {
  provider: ProviderName;
  code: string;
  message: string;
  retryable: boolean;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A failed model call. `code` is the vendor's error code or type when it sent one (`rate_limit_exceeded`,
 * `overloaded_error`), otherwise one of ours: `aborted`, `timeout`, `connection_error`, `stream_incomplete`,
 * `invalid_response`, `http_<status>`, `unknown`. `message` is safe to show a user: no keys, no HTML pages.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly provider: ProviderName;
  readonly status?: number;
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.provider = init.provider;
    this.code = init.code;
    this.retryable = init.retryable;
    if (init.status !== undefined) this.status = init.status;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Reads `retry-after-ms` (OpenAI's precise hint) and then `retry-after` (seconds or an HTTP date) into
 * milliseconds; undefined when absent or unparseable, so callers fall back to their own backoff.
 */
export function parseRetryAfterMs(headers: HeaderReader | undefined, now: number = Date.now()): number | undefined {
  const precise = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(precise) && precise >= 0) return Math.round(precise);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const vendorErrorSchema = z.object({
  message: z.string().optional(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});
// Anthropic wraps the details (`{type:'error', error:{type, message}}`); OpenAI's SDK hands over the inner object.
const anthropicEnvelopeSchema = z.object({ type: z.literal('error'), error: vendorErrorSchema });

type VendorError = z.infer<typeof vendorErrorSchema>;

function readVendorError(body: unknown): VendorError {
  const envelope = anthropicEnvelopeSchema.safeParse(body);
  if (envelope.success) return envelope.data.error;
  const plain = vendorErrorSchema.safeParse(body);
  if (plain.success) return plain.data;
  // Some OpenAI-compatible servers send `{"error": "text"}`.
  return typeof body === 'string' ? { message: body } : {};
}

// Error types that mean "this request will never succeed as sent", even when they arrive mid-stream.
const PERMANENT_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'billing_error',
  'insufficient_quota',
  'invalid_api_key',
  'context_length_exceeded',
]);

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function isRetryableApiError(status: number | undefined, vendor: VendorError, headers: HeaderReader | undefined) {
  // The vendor's explicit verdict wins, as in both SDKs' own retry logic.
  const shouldRetry = headers?.get('x-should-retry');
  if (shouldRetry === 'true') return true;
  if (shouldRetry === 'false') return false;
  // A 429 for an exhausted quota or billing problem stays exhausted however long we wait.
  if (vendor.code === 'insufficient_quota' || vendor.type === 'insufficient_quota') return false;
  if (status !== undefined) return isRetryableStatus(status);
  // Mid-stream failures (no status) are server-side trouble unless the type says otherwise.
  return !PERMANENT_TYPES.has(String(vendor.code ?? vendor.type ?? ''));
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\bsk-[A-Za-z0-9_\-*]{4,}/g, 'sk-***'],
  [/\bBearer\s+\S+/gi, 'Bearer ***'],
];
const MAX_MESSAGE_CHARS = 500;

/** Vendor messages can echo a (partly masked) key back; users and logs must never see it. */
function safeText(text: string): string {
  const redacted = SECRET_PATTERNS.reduce((acc, [pattern, mask]) => acc.replace(pattern, mask), text);
  return redacted.length > MAX_MESSAGE_CHARS ? `${redacted.slice(0, MAX_MESSAGE_CHARS)}…` : redacted;
}

function fromApiError(provider: ProviderName, err: OpenAISdk.APIError | AnthropicSdk.APIError): ProviderError {
  const vendor = readVendorError(err.error);
  const status = err.status;
  const label = typeof vendor.code === 'string' ? vendor.code : (vendor.type ?? undefined);
  const code = label ?? (status === undefined ? 'unknown' : `http_${status}`);
  const detail = vendor.message ? safeText(vendor.message) : undefined;
  const message =
    status === undefined
      ? `${provider} stream failed with ${code}${detail ? `: ${detail}` : ''}`
      : `${provider} returned ${status}${label ? ` ${label}` : ''}: ${detail ?? STATUS_CODES[status] ?? 'no details'}`;
  const retryAfterMs = parseRetryAfterMs(err.headers);
  return new ProviderError({
    provider,
    code,
    message,
    retryable: isRetryableApiError(status, vendor, err.headers),
    ...(status !== undefined && { status }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    cause: err,
  });
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const errorLikeSchema = z.object({ code: z.unknown().optional(), cause: z.unknown().optional() });

/** Walks the `cause` chain: undici reports a reset socket as `TypeError: terminated` caused by a SocketError. */
function isNetworkError(err: unknown): boolean {
  for (let current = err, depth = 0; current !== undefined && depth < 5; depth++) {
    const parsed = errorLikeSchema.safeParse(current);
    if (!parsed.success) return false;
    if (typeof parsed.data.code === 'string' && NETWORK_CODES.has(parsed.data.code)) return true;
    if (current instanceof TypeError && /^(terminated|fetch failed)$/.test(current.message)) return true;
    current = parsed.data.cause;
  }
  return false;
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * Classifies anything a provider call can throw. Pass the caller's `signal`: once it has fired, the failure is
 * reported as `aborted` whatever the SDK threw, so a cancelled activity is never mistaken for a vendor outage.
 */
export function toProviderError(provider: ProviderName, err: unknown, signal?: AbortSignal): ProviderError {
  const aborted = () =>
    new ProviderError({
      provider,
      code: 'aborted',
      retryable: false,
      message: `${provider} request was aborted`,
      cause: err,
    });
  if (err instanceof ProviderError) return err.code !== 'aborted' && signal?.aborted ? aborted() : err;
  if (signal?.aborted || isAbortError(err)) return aborted();
  if (err instanceof OpenAISdk.APIUserAbortError || err instanceof AnthropicSdk.APIUserAbortError) return aborted();
  // Timeouts first: they are subclasses of the connection errors.
  if (err instanceof OpenAISdk.APIConnectionTimeoutError || err instanceof AnthropicSdk.APIConnectionTimeoutError) {
    return new ProviderError({
      provider,
      code: 'timeout',
      retryable: true,
      message: `${provider} request timed out`,
      cause: err,
    });
  }
  const connectionError = err instanceof OpenAISdk.APIConnectionError || err instanceof AnthropicSdk.APIConnectionError;
  if (connectionError || isNetworkError(err)) {
    return new ProviderError({
      provider,
      code: 'connection_error',
      retryable: true,
      message: `could not reach ${provider}: the connection failed or was reset`,
      cause: err,
    });
  }
  if (err instanceof OpenAISdk.APIError || err instanceof AnthropicSdk.APIError) return fromApiError(provider, err);
  // The SDKs JSON.parse each SSE event; a garbled event is a broken response, usually transient.
  if (err instanceof SyntaxError) {
    return new ProviderError({
      provider,
      code: 'invalid_response',
      retryable: true,
      message: `${provider} sent a response that could not be parsed`,
      cause: err,
    });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new ProviderError({
    provider,
    code: 'unknown',
    retryable: false,
    message: `${provider} request failed: ${safeText(detail)}`,
    cause: err,
  });
}
