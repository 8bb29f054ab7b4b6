/**
 * Prometheus metrics of this process. API and worker share the names; when they run as separate processes each
 * exposes its own series (the API on GET /metrics, the worker on LONGHAUL_WORKER_METRICS_PORT).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'longhaul_process_' });

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
