/**
 * Prometheus metrics of this process. API and worker share the names; when they run as separate processes each
 * exposes its own series (the API on GET /metrics, the worker on LONGHAUL_WORKER_METRICS_PORT).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
// The event-loop lag monitor samples on a timer of this period (prom-client's default is 10 ms): each wake-up costs
// CPU whether the process is busy or idle, and a stall still shows, since it delays the next sample by as long as
// it lasts.
collectDefaultMetrics({ register: registry, prefix: 'longhaul_process_', eventLoopMonitoringPrecision: 100 });

export const metrics = {
  completionsStarted: new Counter({
    name: 'longhaul_completions_started_total',
    help: 'Completions whose workflow began (after any double-text queueing).',
    registers: [registry],
  }),
  completionsFinished: new Counter({
    name: 'longhaul_completions_finished_total',
    help: 'Completions that ended, by final status.',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  timeToFirstToken: new Histogram({
    name: 'longhaul_time_to_first_token_seconds',
    help: 'From the request that created the completion to its first text token.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  }),
  tokens: new Counter({
    name: 'longhaul_tokens_total',
    help: 'Model tokens over every attempt (estimated for failed attempts without usage).',
    labelNames: ['direction', 'model'] as const,
    registers: [registry],
  }),
  providerErrors: new Counter({
    name: 'longhaul_provider_errors_total',
    help: 'Failed model call attempts, by provider and error class.',
    labelNames: ['provider', 'class'] as const,
    registers: [registry],
  }),
  activeStreams: new Gauge({
    name: 'longhaul_active_streams',
    help: 'Open SSE responses served by this API process.',
    registers: [registry],
  }),
};

/**
 * Label values come from bounded sets. Every distinct value is a series this process keeps and every scraper
 * stores, so a value a caller chooses (a model name) or a vendor sends (an error code) is named only when it is
 * one we know, else `other`.
 */
const OTHER = 'other';
const labelledModels = new Set<string>();

/** Names the models a series may be labelled with: those the operator configured (default, allowlist, agents). */
export function labelModels(models: Iterable<string>): void {
  for (const model of models) labelledModels.add(model);
}

export function modelLabel(model: string): string {
  return labelledModels.has(model) ? model : OTHER;
}

const KNOWN_ERROR_CODES = new Set([
  // Ours (see ProviderError).
  'aborted',
  'timeout',
  'connection_error',
  'stream_incomplete',
  'invalid_response',
  'unknown',
  'stalled',
  // The vendors' documented error types and codes.
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'rate_limit_exceeded',
  'api_error',
  'server_error',
  'overloaded_error',
  'billing_error',
  'insufficient_quota',
  'invalid_api_key',
  'context_length_exceeded',
]);

/** A failed model call's class: its error code when known (or `http_<status>`), else `other`; `retryable:` first when it is. */
export function providerErrorClass(code: string, retryable: boolean): string {
  const known = KNOWN_ERROR_CODES.has(code) || /^http_[1-5]\d\d$/.test(code) ? code : OTHER;
  return retryable ? `retryable:${known}` : known;
}

/** A gauge read from Postgres at scrape time (e.g. approvals waiting), so every replica reports the same truth. */
export function registerDatabaseGauge(name: string, help: string, read: () => Promise<number>): void {
  if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await read());
    },
  });
}
